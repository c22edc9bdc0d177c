// The tokenizer of tokenizer.h: one pass over the bytes, text skipped with
// memchr. Each function below is one state (or a run of states) of the
// WHATWG tokenizer; it starts at a byte offset in the input and returns the
// offset at which the data state resumes, or kEof when the input ends first
// (at the end of the input nothing more can be emitted: whatever is open is
// text, a comment, or a tag that HTML5 drops).
#include "html/tokenizer.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "util/ascii.h"

namespace crawl {
namespace {

constexpr std::size_t kEof = static_cast<std::size_t>(-1);

// Byte classes, as bit flags.
constexpr std::uint8_t kSpace = 1;           // \t \n \f \r ' ' (CR: it becomes LF)
constexpr std::uint8_t kTagNameEnd = 2;      // whitespace, '/', '>'
constexpr std::uint8_t kAttrNameEnd = 4;     // whitespace, '/', '>', '='
constexpr std::uint8_t kUnquotedEnd = 8;     // whitespace, '>'
constexpr std::uint8_t kAlpha = 16;          // ASCII letters

constexpr std::array<std::uint8_t, 256> MakeClasses() {
  std::array<std::uint8_t, 256> classes{};
  for (unsigned char c : {'\t', '\n', '\f', '\r', ' '}) {
    classes[c] = kSpace | kTagNameEnd | kAttrNameEnd | kUnquotedEnd;
  }
  classes['/'] = kTagNameEnd | kAttrNameEnd;
  classes['>'] = kTagNameEnd | kAttrNameEnd | kUnquotedEnd;
  classes['='] = kAttrNameEnd;
  for (int c = 'a'; c <= 'z'; ++c) {
    classes[c] = kAlpha;
    classes[c - 'a' + 'A'] = kAlpha;
  }
  return classes;
}

constexpr std::array<std::uint8_t, 256> kClasses = MakeClasses();

inline bool Is(char c, std::uint8_t cls) {
  return (kClasses[static_cast<unsigned char>(c)] & cls) != 0;
}

// The offset of the first `c` in p[i, n), or kEof. Most runs are short
// (text between tags, attribute values): 16 bytes at a time with SSE2, then
// memchr for long ones.
inline std::size_t Find(const char* p, std::size_t i, std::size_t n, char c) {
#if defined(__SSE2__)
  constexpr std::size_t kSseBytes = 64;
  const std::size_t sse_end = n - i > kSseBytes ? i + kSseBytes : n;
  const __m128i needle = _mm_set1_epi8(c);
  for (; sse_end - i >= 16; i += 16) {
    const __m128i chunk =
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const int mask = _mm_movemask_epi8(_mm_cmpeq_epi8(chunk, needle));
    if (mask != 0) return i + static_cast<unsigned>(__builtin_ctz(mask));
  }
  if (sse_end < n) {
    const void* found = std::memchr(p + i, c, n - i);
    return found == nullptr ? kEof : static_cast<const char*>(found) - p;
  }
#endif
  for (; i < n; ++i) {
    if (p[i] == c) return i;
  }
  return kEof;
}

// The lower-case name whose end tag ends the text state `tag` switches to.
std::string_view TextEndName(HtmlTag tag) {
  switch (tag) {
    case HtmlTag::kIframe: return "iframe";
    case HtmlTag::kNoembed: return "noembed";
    case HtmlTag::kNoframes: return "noframes";
    case HtmlTag::kStyle: return "style";
    case HtmlTag::kTextarea: return "textarea";
    case HtmlTag::kTitle: return "title";
    case HtmlTag::kXmp: return "xmp";
    default: return {};
  }
}

class Tokenizer {
 public:
  Tokenizer(std::string_view html, std::uint32_t wanted,
            HtmlTagHandler& handler)
      : p_(html.data()), n_(html.size()), wanted_(wanted), handler_(handler) {}
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  // The data state, to the end of the input.
  void Run() {
    std::size_t i = 0;
    while (i < n_) {
      const std::size_t lt = Find(p_, i, n_, '<');
      if (lt == kEof) return;
      i = TagOpen(lt + 1);
    }
  }

 private:
  // Tag open state, at the byte after '<'.
  std::size_t TagOpen(std::size_t i) {
    if (i >= n_) return kEof;
    const char c = p_[i];
    if (Is(c, kAlpha)) return StartTag(i);
    if (c == '!') return MarkupDeclarationOpen(i + 1);
    if (c == '/') return EndTagOpen(i + 1);
    if (c == '?') return BogusComment(i);
    return i;  // '<' was text; reconsume in the data state
  }

  // End tag open state, at the byte after "</".
  std::size_t EndTagOpen(std::size_t i) {
    if (i >= n_) return kEof;
    if (Is(p_[i], kAlpha)) {
      const std::size_t name_end = TagNameEnd(i);
      return name_end == kEof ? kEof : Attributes(name_end, false);
    }
    if (p_[i] == '>') return i + 1;  // "</>": nothing
    return BogusComment(i);
  }

  // Tag name state of a start tag whose name begins at `i`.
  std::size_t StartTag(std::size_t i) {
    const std::size_t name_end = TagNameEnd(i);
    if (name_end == kEof) return kEof;
    const HtmlTag tag = ClassifyTagName(
        std::string_view(p_ + i, name_end - i));
    const bool wanted = (wanted_ & HtmlTagBit(tag)) != 0;
    if (wanted) attributes_.clear();
    const std::size_t end = Attributes(name_end, wanted);
    if (end == kEof) return kEof;
    if (wanted) handler_.OnStartTag(tag, attributes_);
    return TextAfter(tag, end);
  }

  // The end of a tag name that begins at `i`: the first whitespace, '/' or
  // '>' (or kEof).
  std::size_t TagNameEnd(std::size_t i) const {
    while (i < n_ && !Is(p_[i], kTagNameEnd)) ++i;
    return i < n_ ? i : kEof;
  }

  std::size_t SkipSpaces(std::size_t i) const {
    while (i < n_ && Is(p_[i], kSpace)) ++i;
    return i;
  }

  // The rest of a tag from the before attribute name state: returns the
  // offset after its '>'. The after attribute value (quoted) and
  // self-closing start tag states behave as before attribute name for
  // everything that matters here, so they are folded into it. Appends the
  // attributes to attributes_ if `record`.
  std::size_t Attributes(std::size_t i, bool record) {
    for (;;) {
      i = SkipSpaces(i);
      if (i >= n_) return kEof;
      if (p_[i] == '>') return i + 1;
      if (p_[i] == '/') {  // self-closing start tag state
        ++i;
        continue;
      }
      // Attribute name state. Its first byte always belongs to the name,
      // even '=' (before attribute name state) or a quote (parse errors).
      const std::size_t name_begin = i++;
      while (i < n_ && !Is(p_[i], kAttrNameEnd)) ++i;
      const std::string_view name(p_ + name_begin, i - name_begin);
      i = SkipSpaces(i);  // after attribute name state
      if (i >= n_) return kEof;
      std::string_view value;
      if (p_[i] == '=') {
        i = AttributeValue(i + 1, &value);
        if (i == kEof) return kEof;
      }
      if (record) attributes_.push_back({name, value});
    }
  }

  // Before attribute value state, at the byte after '='. Sets `*value` and
  // returns the offset after the value (a '>' that follows is left for the
  // caller).
  std::size_t AttributeValue(std::size_t i, std::string_view* value) const {
    i = SkipSpaces(i);
    if (i >= n_) return kEof;
    const char c = p_[i];
    if (c == '"' || c == '\'') {
      const std::size_t end = Find(p_, i + 1, n_, c);
      if (end == kEof) return kEof;
      *value = std::string_view(p_ + i + 1, end - i - 1);
      return end + 1;
    }
    if (c == '>') return i;  // missing attribute value: empty
    const std::size_t begin = i;
    while (i < n_ && !Is(p_[i], kUnquotedEnd)) ++i;
    if (i >= n_) return kEof;
    *value = std::string_view(p_ + begin, i - begin);
    return i;
  }

  // Markup declaration open state, at the byte after "<!": a comment after
  // "--"; otherwise (DOCTYPE, CDATA in HTML content, anything) a token that
  // ends at the first '>' (every DOCTYPE state ends there too).
  std::size_t MarkupDeclarationOpen(std::size_t i) {
    if (i + 1 < n_ && p_[i] == '-' && p_[i + 1] == '-') return Comment(i + 2);
    return BogusComment(i);
  }

  // Bogus comment state: to the first '>'.
  std::size_t BogusComment(std::size_t i) const {
    const std::size_t gt = i < n_ ? Find(p_, i, n_, '>') : kEof;
    return gt == kEof ? kEof : gt + 1;
  }

  // Comment start state, at the byte after "<!--". "<!-->" and "<!--->"
  // are whole comments; otherwise the comment ends at the first '>' that
  // follows "--" or "--!" inside it: the comment end, comment end bang and
  // comment less-than sign states all come down to that.
  std::size_t Comment(std::size_t begin) const {
    if (begin < n_ && p_[begin] == '>') return begin + 1;
    if (begin + 1 < n_ && p_[begin] == '-' && p_[begin + 1] == '>') {
      return begin + 2;
    }
    std::size_t i = begin;
    while (i < n_) {
      const void* gt = std::memchr(p_ + i, '>', n_ - i);
      if (gt == nullptr) return kEof;
      const std::size_t k = static_cast<const char*>(gt) - p_;
      if (k >= begin + 2 && p_[k - 1] == '-' && p_[k - 2] == '-') return k + 1;
      if (k >= begin + 3 && p_[k - 1] == '!' && p_[k - 2] == '-' &&
          p_[k - 3] == '-') {
        return k + 1;
      }
      i = k + 1;
    }
    return kEof;
  }

  // The state a complete start tag `tag` switches to, run from `i` up to
  // the data state again.
  std::size_t TextAfter(HtmlTag tag, std::size_t i) {
    switch (tag) {
      case HtmlTag::kScript:
        return ScriptData(i);
      case HtmlTag::kPlaintext:
        return kEof;
      default: {
        const std::string_view end_name = TextEndName(tag);
        return end_name.empty() ? i : RawText(i, end_name);
      }
    }
  }

  // If an appropriate end tag named `lower_name` begins at `i` (just after
  // "</"), the offset just after its name; else kEof.
  std::size_t AppropriateEndTag(std::size_t i,
                                std::string_view lower_name) const {
    const std::size_t len = lower_name.size();
    if (n_ - i <= len) return kEof;  // also needs the byte after the name
    if (!EqualsIgnoreCase(std::string_view(p_ + i, len), lower_name)) return kEof;
    return Is(p_[i + len], kTagNameEnd) ? i + len : kEof;
  }

  // RCDATA and RAWTEXT states (they differ in character references only,
  // which do not matter here), up to the end tag named `lower_name`.
  std::size_t RawText(std::size_t i, std::string_view lower_name) {
    while (i < n_) {
      const void* lt = std::memchr(p_ + i, '<', n_ - i);
      if (lt == nullptr) return kEof;
      i = static_cast<const char*>(lt) - p_ + 1;
      if (i < n_ && p_[i] == '/') {
        const std::size_t name_end = AppropriateEndTag(i + 1, lower_name);
        if (name_end != kEof) return Attributes(name_end, false);
        ++i;  // "</" and the letters after it are text
      }
    }
    return kEof;
  }

  // Script data state, up to "</script".
  std::size_t ScriptData(std::size_t i) {
    while (i < n_) {
      const void* lt = std::memchr(p_ + i, '<', n_ - i);
      if (lt == nullptr) return kEof;
      i = static_cast<const char*>(lt) - p_ + 1;
      if (i >= n_) return kEof;
      if (p_[i] == '/') {
        const std::size_t name_end = AppropriateEndTag(i + 1, "script");
        if (name_end != kEof) return Attributes(name_end, false);
        ++i;
      } else if (p_[i] == '!' && i + 2 < n_ && p_[i + 1] == '-' &&
                 p_[i + 2] == '-') {
        bool ended = false;
        i = ScriptDataEscaped(i + 3, &ended);
        if (ended || i == kEof) return i;
      }
    }
    return kEof;
  }

  // The script data escaped and double escaped states, and their dash and
  // dash dash variants (the last one or two bytes were '-').
  enum EscapeState : std::uint8_t {
    kEscaped,
    kEscapedDash,
    kEscapedDashDash,
    kDouble,
    kDoubleDash,
    kDoubleDashDash,
  };

  // The script data escaped and double escaped states, entered by "<!--"
  // (script data escaped dash dash state) at `i`. Returns where script data
  // resumes (after "-->"), or, setting `*ended`, where the data state
  // resumes after a "</script" end tag.
  std::size_t ScriptDataEscaped(std::size_t i, bool* ended) {
    EscapeState state = kEscapedDashDash;
    while (i < n_) {
      const char c = p_[i];
      const bool escaped = state <= kEscapedDashDash;
      if (c == '-') {
        if (escaped) {
          state = state == kEscaped ? kEscapedDash : kEscapedDashDash;
        } else {
          state = state == kDouble ? kDoubleDash : kDoubleDashDash;
        }
        ++i;
      } else if (c == '>' &&
                 (state == kEscapedDashDash || state == kDoubleDashDash)) {
        return i + 1;  // "-->": back to script data
      } else if (c == '<' && escaped) {
        i = EscapedLessThanSign(i + 1, ended, &state);
        if (*ended || i == kEof) return i;
      } else if (c == '<') {
        i = DoubleEscapedLessThanSign(i + 1, &state);
        if (i == kEof) return kEof;
      } else {
        state = escaped ? kEscaped : kDouble;
        ++i;
      }
    }
    return kEof;
  }

  // Script data escaped less-than sign state, at the byte after '<':
  // "</script" ends the script (sets `*ended`), "<script" followed by
  // whitespace, '/' or '>' enters the double escaped state; anything else
  // goes back to the escaped state.
  std::size_t EscapedLessThanSign(std::size_t i, bool* ended,
                                  EscapeState* state) {
    *state = kEscaped;
    if (i >= n_) return kEof;
    if (p_[i] == '/') {
      const std::size_t name_end = AppropriateEndTag(i + 1, "script");
      if (name_end != kEof) {
        *ended = true;
        return Attributes(name_end, false);
      }
      return i + 1;
    }
    if (!Is(p_[i], kAlpha)) return i;
    // Script data double escape start state.
    const std::size_t begin = i;
    while (i < n_ && Is(p_[i], kAlpha)) ++i;
    if (i >= n_) return kEof;
    if (!Is(p_[i], kTagNameEnd)) return i;
    if (EqualsIgnoreCase(std::string_view(p_ + begin, i - begin), "script")) {
      *state = kDouble;
    }
    return i + 1;  // the delimiter is text
  }

  // Script data double escaped less-than sign state, at the byte after '<':
  // "</script" followed by whitespace, '/' or '>' goes back to the escaped
  // state, anything else stays double escaped.
  std::size_t DoubleEscapedLessThanSign(std::size_t i,
                                        EscapeState* state) const {
    *state = kDouble;
    if (i >= n_) return kEof;
    if (p_[i] != '/') return i;
    // Script data double escape end state.
    const std::size_t begin = ++i;
    while (i < n_ && Is(p_[i], kAlpha)) ++i;
    if (i >= n_) return kEof;
    if (!Is(p_[i], kTagNameEnd)) return i;
    if (EqualsIgnoreCase(std::string_view(p_ + begin, i - begin), "script")) {
      *state = kEscaped;
    }
    return i + 1;
  }

  const char* const p_;
  const std::size_t n_;
  const std::uint32_t wanted_;
  HtmlTagHandler& handler_;
  std::vector<HtmlAttribute> attributes_;
};

}  // namespace

HtmlTag ClassifyTagName(std::string_view name) {
  // Dispatch on the first letter: most names (div, span, p, li, ...) leave
  // at once.
  if (name.empty()) return HtmlTag::kOther;
  const auto is = [name](std::string_view lower) {
    return EqualsIgnoreCase(name, lower);
  };
  switch (AsciiLower(name[0])) {
    case 'a':
      if (name.size() == 1) return HtmlTag::kA;
      if (is("area")) return HtmlTag::kArea;
      break;
    case 'b':
      if (is("base")) return HtmlTag::kBase;
      break;
    case 'f':
      if (is("frame")) return HtmlTag::kFrame;
      break;
    case 'i':
      if (is("iframe")) return HtmlTag::kIframe;
      break;
    case 'l':
      if (is("link")) return HtmlTag::kLink;
      break;
    case 'm':
      if (is("meta")) return HtmlTag::kMeta;
      break;
    case 'n':
      if (is("noembed")) return HtmlTag::kNoembed;
      if (is("noframes")) return HtmlTag::kNoframes;
      break;
    case 'p':
      if (is("plaintext")) return HtmlTag::kPlaintext;
      break;
    case 's':
      if (is("script")) return HtmlTag::kScript;
      if (is("style")) return HtmlTag::kStyle;
      break;
    case 't':
      if (is("textarea")) return HtmlTag::kTextarea;
      if (is("title")) return HtmlTag::kTitle;
      break;
    case 'x':
      if (is("xmp")) return HtmlTag::kXmp;
      break;
    default:
      break;
  }
  return HtmlTag::kOther;
}

void TokenizeHtml(std::string_view html, std::uint32_t wanted,
                  HtmlTagHandler& handler) {
  Tokenizer(html, wanted & ~HtmlTagBit(HtmlTag::kOther), handler).Run();
}

}  // namespace crawl
