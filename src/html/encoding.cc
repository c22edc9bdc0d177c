#include "html/encoding.h"

#include <iconv.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <optional>

#include "html/char_ref.h"
#include "html/tokenizer.h"
#include "util/ascii.h"
#include "util/utf8.h"

namespace crawl {
namespace {

// The encodings crawl decodes, by WHATWG name, with glibc iconv's name for
// the nearest converter (WHATWG's Shift_JIS is Microsoft's CP932, its GBK a
// GB18030 decoder, its EUC-KR CP949, its Big5 Big5-HKSCS).
constexpr Encoding kUtf8{"UTF-8", "UTF-8", true};
constexpr Encoding kWindows1252{"windows-1252", "CP1252", true};
constexpr Encoding kEncodings[] = {
    kUtf8,
    kWindows1252,
    {"ISO-8859-2", "ISO-8859-2", true},
    {"ISO-8859-3", "ISO-8859-3", true},
    {"ISO-8859-4", "ISO-8859-4", true},
    {"ISO-8859-5", "ISO-8859-5", true},
    {"ISO-8859-6", "ISO-8859-6", true},
    {"ISO-8859-7", "ISO-8859-7", true},
    {"ISO-8859-8", "ISO-8859-8", true},
    {"ISO-8859-10", "ISO-8859-10", true},
    {"ISO-8859-13", "ISO-8859-13", true},
    {"ISO-8859-14", "ISO-8859-14", true},
    {"ISO-8859-15", "ISO-8859-15", true},
    {"ISO-8859-16", "ISO-8859-16", true},
    {"KOI8-R", "KOI8-R", true},
    {"KOI8-U", "KOI8-U", true},
    {"macintosh", "MACINTOSH", true},
    {"windows-874", "CP874", true},
    {"windows-1250", "CP1250", true},
    {"windows-1251", "CP1251", true},
    {"windows-1253", "CP1253", true},
    {"windows-1254", "CP1254", true},
    {"windows-1255", "CP1255", true},
    {"windows-1256", "CP1256", true},
    {"windows-1257", "CP1257", true},
    {"windows-1258", "CP1258", true},
    {"GBK", "GB18030", true},
    {"gb18030", "GB18030", true},
    {"Big5", "BIG5-HKSCS", true},
    {"EUC-JP", "EUC-JP", true},
    {"ISO-2022-JP", "ISO-2022-JP", false},
    {"Shift_JIS", "CP932", true},
    {"EUC-KR", "CP949", true},
    {"UTF-16BE", "UTF-16BE", false},
    {"UTF-16LE", "UTF-16LE", false},
};

const Encoding& ByName(std::string_view name) {
  for (const Encoding& e : kEncodings) {
    if (name == e.name) return e;
  }
  return kUtf8;
}

struct Label {
  std::string_view label;
  std::string_view encoding;
};

// WHATWG Encoding, "Encodings" table: every label of the encodings above.
constexpr Label kLabels[] = {
    {"unicode-1-1-utf-8", "UTF-8"}, {"unicode11utf8", "UTF-8"},
    {"unicode20utf8", "UTF-8"}, {"utf-8", "UTF-8"}, {"utf8", "UTF-8"},
    {"x-unicode20utf8", "UTF-8"},
    {"ansi_x3.4-1968", "windows-1252"}, {"ascii", "windows-1252"},
    {"cp1252", "windows-1252"}, {"cp819", "windows-1252"},
    {"csisolatin1", "windows-1252"}, {"ibm819", "windows-1252"},
    {"iso-8859-1", "windows-1252"}, {"iso-ir-100", "windows-1252"},
    {"iso8859-1", "windows-1252"}, {"iso88591", "windows-1252"},
    {"iso_8859-1", "windows-1252"}, {"iso_8859-1:1987", "windows-1252"},
    {"l1", "windows-1252"}, {"latin1", "windows-1252"},
    {"us-ascii", "windows-1252"}, {"windows-1252", "windows-1252"},
    {"x-cp1252", "windows-1252"},
    {"csisolatin2", "ISO-8859-2"}, {"iso-8859-2", "ISO-8859-2"},
    {"iso-ir-101", "ISO-8859-2"}, {"iso8859-2", "ISO-8859-2"},
    {"iso88592", "ISO-8859-2"}, {"iso_8859-2", "ISO-8859-2"},
    {"iso_8859-2:1987", "ISO-8859-2"}, {"l2", "ISO-8859-2"},
    {"latin2", "ISO-8859-2"},
    {"csisolatin3", "ISO-8859-3"}, {"iso-8859-3", "ISO-8859-3"},
    {"iso-ir-109", "ISO-8859-3"}, {"iso8859-3", "ISO-8859-3"},
    {"iso88593", "ISO-8859-3"}, {"iso_8859-3", "ISO-8859-3"},
    {"iso_8859-3:1988", "ISO-8859-3"}, {"l3", "ISO-8859-3"},
    {"latin3", "ISO-8859-3"},
    {"csisolatin4", "ISO-8859-4"}, {"iso-8859-4", "ISO-8859-4"},
    {"iso-ir-110", "ISO-8859-4"}, {"iso8859-4", "ISO-8859-4"},
    {"iso88594", "ISO-8859-4"}, {"iso_8859-4", "ISO-8859-4"},
    {"iso_8859-4:1988", "ISO-8859-4"}, {"l4", "ISO-8859-4"},
    {"latin4", "ISO-8859-4"},
    {"csisolatincyrillic", "ISO-8859-5"}, {"cyrillic", "ISO-8859-5"},
    {"iso-8859-5", "ISO-8859-5"}, {"iso-ir-144", "ISO-8859-5"},
    {"iso8859-5", "ISO-8859-5"}, {"iso88595", "ISO-8859-5"},
    {"iso_8859-5", "ISO-8859-5"}, {"iso_8859-5:1988", "ISO-8859-5"},
    {"arabic", "ISO-8859-6"}, {"asmo-708", "ISO-8859-6"},
    {"csiso88596e", "ISO-8859-6"}, {"csiso88596i", "ISO-8859-6"},
    {"csisolatinarabic", "ISO-8859-6"}, {"ecma-114", "ISO-8859-6"},
    {"iso-8859-6", "ISO-8859-6"}, {"iso-8859-6-e", "ISO-8859-6"},
    {"iso-8859-6-i", "ISO-8859-6"}, {"iso-ir-127", "ISO-8859-6"},
    {"iso8859-6", "ISO-8859-6"}, {"iso88596", "ISO-8859-6"},
    {"iso_8859-6", "ISO-8859-6"}, {"iso_8859-6:1987", "ISO-8859-6"},
    {"csisolatingreek", "ISO-8859-7"}, {"ecma-118", "ISO-8859-7"},
    {"elot_928", "ISO-8859-7"}, {"greek", "ISO-8859-7"},
    {"greek8", "ISO-8859-7"}, {"iso-8859-7", "ISO-8859-7"},
    {"iso-ir-126", "ISO-8859-7"}, {"iso8859-7", "ISO-8859-7"},
    {"iso88597", "ISO-8859-7"}, {"iso_8859-7", "ISO-8859-7"},
    {"iso_8859-7:1987", "ISO-8859-7"}, {"sun_eu_greek", "ISO-8859-7"},
    {"csiso88598e", "ISO-8859-8"}, {"csisolatinhebrew", "ISO-8859-8"},
    {"hebrew", "ISO-8859-8"}, {"iso-8859-8", "ISO-8859-8"},
    {"iso-8859-8-e", "ISO-8859-8"}, {"iso-ir-138", "ISO-8859-8"},
    {"iso8859-8", "ISO-8859-8"}, {"iso88598", "ISO-8859-8"},
    {"iso_8859-8", "ISO-8859-8"}, {"iso_8859-8:1988", "ISO-8859-8"},
    {"visual", "ISO-8859-8"}, {"csiso88598i", "ISO-8859-8"},
    {"iso-8859-8-i", "ISO-8859-8"}, {"logical", "ISO-8859-8"},
    {"csisolatin6", "ISO-8859-10"}, {"iso-8859-10", "ISO-8859-10"},
    {"iso-ir-157", "ISO-8859-10"}, {"iso8859-10", "ISO-8859-10"},
    {"iso885910", "ISO-8859-10"}, {"l6", "ISO-8859-10"},
    {"latin6", "ISO-8859-10"},
    {"iso-8859-13", "ISO-8859-13"}, {"iso8859-13", "ISO-8859-13"},
    {"iso885913", "ISO-8859-13"},
    {"iso-8859-14", "ISO-8859-14"}, {"iso8859-14", "ISO-8859-14"},
    {"iso885914", "ISO-8859-14"},
    {"csisolatin9", "ISO-8859-15"}, {"iso-8859-15", "ISO-8859-15"},
    {"iso8859-15", "ISO-8859-15"}, {"iso885915", "ISO-8859-15"},
    {"iso_8859-15", "ISO-8859-15"}, {"l9", "ISO-8859-15"},
    {"iso-8859-16", "ISO-8859-16"},
    {"cskoi8r", "KOI8-R"}, {"koi", "KOI8-R"}, {"koi8", "KOI8-R"},
    {"koi8-r", "KOI8-R"}, {"koi8_r", "KOI8-R"},
    {"koi8-ru", "KOI8-U"}, {"koi8-u", "KOI8-U"},
    {"csmacintosh", "macintosh"}, {"mac", "macintosh"},
    {"macintosh", "macintosh"}, {"x-mac-roman", "macintosh"},
    {"dos-874", "windows-874"}, {"iso-8859-11", "windows-874"},
    {"iso8859-11", "windows-874"}, {"iso885911", "windows-874"},
    {"tis-620", "windows-874"}, {"windows-874", "windows-874"},
    {"cp1250", "windows-1250"}, {"windows-1250", "windows-1250"},
    {"x-cp1250", "windows-1250"},
    {"cp1251", "windows-1251"}, {"windows-1251", "windows-1251"},
    {"x-cp1251", "windows-1251"},
    {"cp1253", "windows-1253"}, {"windows-1253", "windows-1253"},
    {"x-cp1253", "windows-1253"},
    {"cp1254", "windows-1254"}, {"csisolatin5", "windows-1254"},
    {"iso-8859-9", "windows-1254"}, {"iso-ir-148", "windows-1254"},
    {"iso8859-9", "windows-1254"}, {"iso88599", "windows-1254"},
    {"iso_8859-9", "windows-1254"}, {"iso_8859-9:1989", "windows-1254"},
    {"l5", "windows-1254"}, {"latin5", "windows-1254"},
    {"windows-1254", "windows-1254"}, {"x-cp1254", "windows-1254"},
    {"cp1255", "windows-1255"}, {"windows-1255", "windows-1255"},
    {"x-cp1255", "windows-1255"},
    {"cp1256", "windows-1256"}, {"windows-1256", "windows-1256"},
    {"x-cp1256", "windows-1256"},
    {"cp1257", "windows-1257"}, {"windows-1257", "windows-1257"},
    {"x-cp1257", "windows-1257"},
    {"cp1258", "windows-1258"}, {"windows-1258", "windows-1258"},
    {"x-cp1258", "windows-1258"},
    {"chinese", "GBK"}, {"csgb2312", "GBK"}, {"csiso58gb231280", "GBK"},
    {"gb2312", "GBK"}, {"gb_2312", "GBK"}, {"gb_2312-80", "GBK"},
    {"gbk", "GBK"}, {"iso-ir-58", "GBK"}, {"x-gbk", "GBK"},
    {"gb18030", "gb18030"},
    {"big5", "Big5"}, {"big5-hkscs", "Big5"}, {"cn-big5", "Big5"},
    {"csbig5", "Big5"}, {"x-x-big5", "Big5"},
    {"cseucpkdfmtjapanese", "EUC-JP"}, {"euc-jp", "EUC-JP"},
    {"x-euc-jp", "EUC-JP"},
    {"csiso2022jp", "ISO-2022-JP"}, {"iso-2022-jp", "ISO-2022-JP"},
    {"csshiftjis", "Shift_JIS"}, {"ms932", "Shift_JIS"},
    {"ms_kanji", "Shift_JIS"}, {"shift-jis", "Shift_JIS"},
    {"shift_jis", "Shift_JIS"}, {"sjis", "Shift_JIS"},
    {"windows-31j", "Shift_JIS"}, {"x-sjis", "Shift_JIS"},
    {"cseuckr", "EUC-KR"}, {"csksc56011987", "EUC-KR"},
    {"euc-kr", "EUC-KR"}, {"iso-ir-149", "EUC-KR"}, {"korean", "EUC-KR"},
    {"ks_c_5601-1987", "EUC-KR"}, {"ks_c_5601-1989", "EUC-KR"},
    {"ksc5601", "EUC-KR"}, {"ksc_5601", "EUC-KR"}, {"windows-949", "EUC-KR"},
    {"unicodefffe", "UTF-16BE"}, {"utf-16be", "UTF-16BE"},
    {"csunicode", "UTF-16LE"}, {"iso-10646-ucs-2", "UTF-16LE"},
    {"ucs-2", "UTF-16LE"}, {"unicode", "UTF-16LE"},
    {"unicodefeff", "UTF-16LE"}, {"utf-16", "UTF-16LE"},
    {"utf-16le", "UTF-16LE"},
};

std::string_view TrimLabel(std::string_view s) {
  auto ws = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
  };
  while (!s.empty() && ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && ws(s.back())) s.remove_suffix(1);
  return s;
}

// "text/html; charset=\"Shift_JIS\"" -> "Shift_JIS" (the first charset
// parameter), or "".
std::string_view CharsetParameter(std::string_view content_type) {
  std::size_t semi = content_type.find(';');
  while (semi != std::string_view::npos) {
    std::string_view param = content_type.substr(semi + 1);
    const std::size_t next = param.find(';');
    param = TrimLabel(param.substr(0, next));
    if (StartsWithIgnoreCase(param, "charset=")) {
      std::string_view v = TrimLabel(param.substr(8));
      if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') &&
          v.back() == v.front()) {
        v = v.substr(1, v.size() - 2);
      }
      return v;
    }
    semi = next == std::string_view::npos ? next : semi + 1 + next;
  }
  return {};
}

// HTML's "algorithm for extracting a character encoding from a meta
// element": the value after the first "charset" [ws] "=" [ws], quoted or up
// to whitespace or ';'.
std::optional<std::string_view> CharsetFromContent(std::string_view s) {
  for (std::size_t at = 0;;) {
    std::size_t found = std::string_view::npos;
    for (std::size_t i = at; i + 7 <= s.size(); ++i) {
      if (EqualsIgnoreCase(s.substr(i, 7), "charset")) {
        found = i;
        break;
      }
    }
    if (found == std::string_view::npos) return std::nullopt;
    std::size_t i = found + 7;
    while (i < s.size() && IsAsciiWhitespace(s[i])) ++i;
    if (i >= s.size() || s[i] != '=') {
      at = found + 7;  // not this "charset": look for the next
      continue;
    }
    ++i;
    while (i < s.size() && IsAsciiWhitespace(s[i])) ++i;
    if (i >= s.size()) return std::nullopt;
    if (s[i] == '"' || s[i] == '\'') {
      const std::size_t close = s.find(s[i], i + 1);
      if (close == std::string_view::npos) return std::nullopt;
      return s.substr(i + 1, close - i - 1);
    }
    std::size_t end = i;
    while (end < s.size() && !IsAsciiWhitespace(s[end]) && s[end] != ';') ++end;
    return s.substr(i, end - i);
  }
}

// The prescan's verdict from the <meta> tags of a document's start.
class MetaCharset : public HtmlTagHandler {
 public:
  void OnStartTag(HtmlTag tag,
                  const std::vector<HtmlAttribute>& attributes) override {
    if (tag != HtmlTag::kMeta || found != nullptr) return;
    std::string charset, equiv, content;
    bool has_charset = false, has_content = false;
    for (const HtmlAttribute& a : attributes) {
      std::string value;
      AppendDecodedAttributeValue(a.value, value);
      if (EqualsIgnoreCase(a.name, "charset") && !has_charset) {
        charset = std::move(value);
        has_charset = true;
      } else if (EqualsIgnoreCase(a.name, "http-equiv") && equiv.empty()) {
        equiv = std::move(value);
      } else if (EqualsIgnoreCase(a.name, "content") && !has_content) {
        content = std::move(value);
        has_content = true;
      }
    }
    const Encoding* e = nullptr;
    if (has_charset) {
      e = EncodingForLabel(charset);
    } else if (has_content && EqualsIgnoreCase(TrimLabel(equiv), "content-type")) {
      if (auto label = CharsetFromContent(content)) e = EncodingForLabel(*label);
    }
    if (e == nullptr) return;
    // A page that says it is UTF-16 in ASCII bytes is not: UTF-8 (HTML).
    if (!e->ascii_compatible && e->name[0] == 'U') e = &kUtf8;
    found = e;
  }
  const Encoding* found = nullptr;
};

constexpr std::size_t kPrescanBytes = 1024;

}  // namespace

const Encoding* EncodingForLabel(std::string_view label) {
  label = TrimLabel(label);
  for (const Label& l : kLabels) {
    if (label.size() == l.label.size() && EqualsIgnoreCase(label, l.label)) {
      return &ByName(l.encoding);
    }
  }
  return nullptr;
}

namespace {

// `s` without a UTF-8 sequence cut short at its end: a body cut at
// --max-body may end inside a character, which says nothing of its encoding.
std::string_view WithoutCutCharacter(std::string_view s) {
  for (std::size_t k = 1; k <= 3 && k <= s.size(); ++k) {
    const unsigned char c = static_cast<unsigned char>(s[s.size() - k]);
    if ((c & 0xC0) == 0x80) continue;  // a continuation byte: look further back
    if (c >= 0xC0) {
      const std::size_t length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
      if (length > k) return s.substr(0, s.size() - k);
    }
    break;
  }
  return s;
}

}  // namespace

const Encoding& SniffEncoding(std::string_view content_type,
                              std::string_view body, bool truncated) {
  if (body.starts_with("\xEF\xBB\xBF")) return kUtf8;
  if (body.starts_with("\xFE\xFF")) return ByName("UTF-16BE");
  if (body.starts_with("\xFF\xFE")) return ByName("UTF-16LE");
  if (const Encoding* e = EncodingForLabel(CharsetParameter(content_type))) {
    return *e;
  }
  MetaCharset meta;
  TokenizeHtml(body.substr(0, std::min(body.size(), kPrescanBytes)),
               HtmlTagBit(HtmlTag::kMeta), meta);
  if (meta.found != nullptr) return *meta.found;
  return IsValidUtf8(truncated ? WithoutCutCharacter(body) : body)
             ? kUtf8
             : kWindows1252;
}

struct Transcoder::State {
  iconv_t to_utf8 = reinterpret_cast<iconv_t>(-1);
  iconv_t from_utf8 = reinterpret_cast<iconv_t>(-1);
  ~State() {
    if (to_utf8 != reinterpret_cast<iconv_t>(-1)) iconv_close(to_utf8);
    if (from_utf8 != reinterpret_cast<iconv_t>(-1)) iconv_close(from_utf8);
  }
};

Transcoder::Transcoder(const Encoding& encoding)
    : encoding_(encoding), state_(std::make_unique<State>()) {}
Transcoder::~Transcoder() = default;

namespace {

// Runs `cd` over `in` into `out`; at a sequence it cannot convert calls
// `bad(in_rest, out)`, which appends a replacement and returns how many
// input bytes to skip (at least 1).
template <typename Bad>
void Convert(iconv_t cd, std::string_view in, std::string& out, Bad&& bad) {
  std::array<char, 4096> buf;
  char* src = const_cast<char*>(in.data());
  std::size_t left = in.size();
  iconv(cd, nullptr, nullptr, nullptr, nullptr);  // initial state
  while (left > 0) {
    char* dst = buf.data();
    std::size_t room = buf.size();
    const std::size_t rc = iconv(cd, &src, &left, &dst, &room);
    out.append(buf.data(), buf.size() - room);
    if (rc != static_cast<std::size_t>(-1)) continue;
    if (errno == E2BIG) continue;
    // EILSEQ, or EINVAL (an incomplete sequence at the end).
    const std::size_t skip =
        std::min(left, std::max<std::size_t>(1, bad(std::string_view(src, left), out)));
    src += skip;
    left -= skip;
    iconv(cd, nullptr, nullptr, nullptr, nullptr);
  }
  char* dst = buf.data();
  std::size_t room = buf.size();
  iconv(cd, nullptr, nullptr, &dst, &room);  // flush a shift state
  out.append(buf.data(), buf.size() - room);
}

}  // namespace

void Transcoder::ToUtf8(std::string_view in, std::string& out) {
  if (encoding_.utf8()) {
    AppendUtf8Sanitized(in, out);
    return;
  }
  if (state_->to_utf8 == reinterpret_cast<iconv_t>(-1)) {
    state_->to_utf8 = iconv_open("UTF-8", encoding_.iconv_name);
    if (state_->to_utf8 == reinterpret_cast<iconv_t>(-1)) {
      AppendUtf8Sanitized(in, out);  // no converter: read it as UTF-8
      return;
    }
  }
  const bool cp1252 = &encoding_ == &kEncodings[1];
  Convert(state_->to_utf8, in, out, [cp1252](std::string_view rest, std::string& o) {
    const auto b = static_cast<unsigned char>(rest[0]);
    // WHATWG's windows-1252 maps the five bytes CP1252 leaves undefined to
    // the C1 controls of the same value.
    if (cp1252 && (b == 0x81 || b == 0x8D || b == 0x8F || b == 0x90 || b == 0x9D)) {
      AppendUtf8(b, o);
    } else {
      o += "\xEF\xBF\xBD";
    }
    return std::size_t{1};
  });
}

void Transcoder::FromUtf8(std::string_view utf8, std::string& out) {
  if (encoding_.utf8()) {
    AppendUtf8Sanitized(utf8, out);
    return;
  }
  if (state_->from_utf8 == reinterpret_cast<iconv_t>(-1)) {
    state_->from_utf8 = iconv_open(encoding_.iconv_name, "UTF-8");
    if (state_->from_utf8 == reinterpret_cast<iconv_t>(-1)) {
      AppendUtf8Sanitized(utf8, out);
      return;
    }
  }
  Convert(state_->from_utf8, utf8, out, [](std::string_view rest, std::string& o) {
    // A character the encoding lacks (or ill-formed UTF-8): "&#N;".
    std::uint32_t code = 0xFFFD;
    std::size_t len = 1;
    const auto b0 = static_cast<unsigned char>(rest[0]);
    const std::size_t need = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : b0 >= 0xC0 ? 2 : 1;
    if (need > 1 && rest.size() >= need) {
      std::uint32_t c = b0 & (0xFF >> (need + 1));
      bool ok = true;
      for (std::size_t i = 1; i < need; ++i) {
        const auto b = static_cast<unsigned char>(rest[i]);
        ok = ok && (b & 0xC0) == 0x80;
        c = (c << 6) | (b & 0x3F);
      }
      if (ok) {
        code = c;
        len = need;
      }
    }
    o += "&#" + std::to_string(code) + ";";
    return len;
  });
}

}  // namespace crawl
