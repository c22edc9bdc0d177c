// Sitemap parsing (see robots/robots.h): optional gunzip, then a tolerant,
// linear scan for <loc> elements.
//
// Choices:
//  - A body starting with 1f 8b is gunzipped (several concatenated gzip
//    members are read one after another). Output stops at max_bytes: if more
//    would follow, `truncated` is set; a gzip bomb therefore costs about
//    max_bytes of work and memory. A corrupt or cut stream keeps whatever it
//    decoded before the damage. A plain body longer than max_bytes is cut
//    there (and `truncated` set) too.
//  - Only a <loc> that is a direct child of a <url> (-> urls) or a <sitemap>
//    (-> sitemaps) counts, so the <image:loc> inside <image:image> of Google's
//    image extension is not taken for a page. Element names may carry a
//    namespace prefix (<sm:loc>) and are compared case-insensitively.
//  - The <loc> text: CDATA sections are taken verbatim, everywhere else the
//    five XML entities and numeric character references (to UTF-8) are
//    decoded; an unknown or malformed reference stays as written; comments
//    and the tags of elements nested inside are dropped (their text is
//    kept); XML whitespace is trimmed; an empty result is skipped. An end
//    tag that closes no element opened inside (say </url>) abandons the
//    <loc>.
//  - An unterminated tag, comment, CDATA section or <loc> ends the scan: in
//    XML it would swallow the rest of the document, and stopping keeps the
//    scan linear in the input whatever the bytes.
//  - At most max_entries URLs and sitemaps together; on the next one,
//    `truncated` is set and the scan stops.
#define ZLIB_CONST
#include <zlib.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "robots/robots.h"

namespace crawl {
namespace {

constexpr std::size_t kMinChunk = 64 * 1024;

bool StartsWith(std::string_view s, std::size_t at, std::string_view prefix) {
  return s.size() - at >= prefix.size() &&
         s.substr(at, prefix.size()) == prefix;
}

// Gunzips `body` into at most `max_bytes` octets.
std::string Gunzip(std::string_view body, std::size_t max_bytes,
                   bool* truncated) {
  std::string out;
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return out;
  std::size_t fed = 0;  // octets of `body` handed to zlib so far
  while (true) {
    if (zs.avail_in == 0 && fed < body.size()) {
      const std::size_t n = std::min<std::size_t>(body.size() - fed, UINT_MAX);
      zs.next_in = reinterpret_cast<const Bytef*>(body.data() + fed);
      zs.avail_in = static_cast<uInt>(n);
      fed += n;
    }
    const std::size_t room = max_bytes - out.size();
    unsigned char probe;
    const std::size_t old_size = out.size();
    std::size_t grow = 0;
    if (room == 0) {
      // Full: one more octet would mean the input says more than we keep.
      zs.next_out = &probe;
      zs.avail_out = 1;
    } else {
      grow = std::min({room, std::max(old_size, kMinChunk),
                       static_cast<std::size_t>(UINT_MAX)});
      out.resize(old_size + grow);
      zs.next_out = reinterpret_cast<Bytef*>(out.data() + old_size);
      zs.avail_out = static_cast<uInt>(grow);
    }
    const uInt in_before = zs.avail_in;
    const int ret = inflate(&zs, Z_NO_FLUSH);
    if (room == 0 && zs.avail_out == 0) {
      *truncated = true;
      break;
    }
    if (room != 0) out.resize(old_size + grow - zs.avail_out);
    if (ret == Z_STREAM_END) {
      // Another gzip member may follow (RFC 1952 section 2.2).
      if (zs.avail_in < 2 || zs.next_in[0] != 0x1f || zs.next_in[1] != 0x8b ||
          inflateReset(&zs) != Z_OK) {
        break;
      }
      continue;
    }
    // Z_BUF_ERROR: the input ends early; anything else: corrupt. Either way
    // what was decoded so far is kept.
    if (ret != Z_OK) break;
    if (zs.avail_in == in_before && out.size() == old_size) break;
  }
  inflateEnd(&zs);
  return out;
}

bool IsXmlSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool IsNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         c == ':' || static_cast<unsigned char>(c) >= 0x80;
}

bool LocalNameIs(std::string_view name, std::string_view want) {
  const std::size_t colon = name.rfind(':');
  if (colon != std::string_view::npos) name.remove_prefix(colon + 1);
  if (name.size() != want.size()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != want[i]) return false;
  }
  return true;
}

void AppendUtf8(std::uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Decodes "&...;" at the start of `s` into `out`; returns the octets used, or
// 0 if it is not a reference we know.
std::size_t DecodeReference(std::string_view s, std::string* out) {
  const std::size_t semi = s.substr(0, 12).find(';');
  if (semi == std::string_view::npos) return 0;
  const std::string_view ref = s.substr(1, semi - 1);
  static constexpr std::pair<std::string_view, char> kNamed[] = {
      {"lt", '<'}, {"gt", '>'}, {"amp", '&'}, {"quot", '"'}, {"apos", '\''}};
  for (const auto& [name, c] : kNamed) {
    if (ref == name) {
      out->push_back(c);
      return semi + 1;
    }
  }
  if (ref.size() < 2 || ref[0] != '#') return 0;
  const bool hex = ref[1] == 'x' || ref[1] == 'X';
  const std::string_view digits = ref.substr(hex ? 2 : 1);
  if (digits.empty()) return 0;
  std::uint32_t cp = 0;
  for (char c : digits) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (hex && c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else if (hex && c >= 'A' && c <= 'F') {
      d = c - 'A' + 10;
    } else {
      return 0;
    }
    cp = cp * (hex ? 16 : 10) + static_cast<std::uint32_t>(d);
    if (cp > 0x10FFFF) return 0;
  }
  if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  AppendUtf8(cp, out);
  return semi + 1;
}

void AppendDecoded(std::string_view text, std::string* out) {
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] == '&') {
      if (const std::size_t used = DecodeReference(text.substr(i), out)) {
        i += used;
        continue;
      }
    }
    out->push_back(text[i++]);
  }
}

struct Tag {
  std::string_view name;
  bool end = false;           // </name>
  bool self_closing = false;  // <name/>
};

// The tolerant, single-pass scanner. `pos_` only moves forward.
class Scanner {
 public:
  Scanner(std::string_view xml, std::size_t max_entries, Sitemap* out)
      : xml_(xml), max_entries_(max_entries), out_(out) {}

  void Run() {
    int depth = 0;  // open elements
    enum class In { kNone, kUrl, kSitemap } in = In::kNone;
    int in_depth = 0;  // depth just inside the <url> or <sitemap>
    while (!done_) {
      const std::size_t lt = xml_.find('<', pos_);
      if (lt == std::string_view::npos) break;
      pos_ = lt;
      Tag tag;
      if (Next(&tag) != Markup::kTag) continue;
      if (tag.end) {
        if (in != In::kNone &&
            LocalNameIs(tag.name, in == In::kUrl ? "url" : "sitemap")) {
          in = In::kNone;
          depth = std::max(in_depth - 1, 0);
        } else if (depth > 0) {
          --depth;
        }
        continue;
      }
      if (tag.self_closing) continue;
      ++depth;
      if (in == In::kNone) {
        if (LocalNameIs(tag.name, "url")) {
          in = In::kUrl;
          in_depth = depth;
        } else if (LocalNameIs(tag.name, "sitemap")) {
          in = In::kSitemap;
          in_depth = depth;
        }
      } else if (depth == in_depth + 1 && LocalNameIs(tag.name, "loc")) {
        --depth;  // ReadLoc consumes </loc>
        std::optional<std::string> loc = ReadLoc();
        if (loc) Add(std::move(*loc), in == In::kUrl);
      }
    }
  }

 private:
  enum class Markup { kTag, kSkipped, kText };

  // At '<': skips a comment, CDATA section, processing instruction or
  // declaration (kSkipped), or reads a tag into `tag` (kTag). A '<' that
  // starts none of these is text (kText): only the '<' is passed.
  Markup Next(Tag* tag) {
    static constexpr std::pair<std::string_view, std::string_view> kSkips[] = {
        {"<!--", "-->"}, {"<![CDATA[", "]]>"}, {"<?", "?>"}, {"<!", ">"}};
    for (const auto& [open, close] : kSkips) {
      if (StartsWith(xml_, pos_, open)) {
        SkipPast(close, pos_ + open.size());
        return Markup::kSkipped;
      }
    }
    return ReadTag(tag);
  }

  // Moves past the next `close` at or after `from`; none: the scan is over.
  void SkipPast(std::string_view close, std::size_t from) {
    const std::size_t at = xml_.find(close, from);
    if (at == std::string_view::npos) {
      Finish();
    } else {
      pos_ = at + close.size();
    }
  }

  void Finish() {
    pos_ = xml_.size();
    done_ = true;
  }

  // At '<': reads "<name ...>", "<name .../>" or "</name ...>", attribute
  // values in quotes may hold '>'.
  Markup ReadTag(Tag* tag) {
    *tag = Tag();
    std::size_t i = pos_ + 1;
    if (i < xml_.size() && xml_[i] == '/') {
      tag->end = true;
      ++i;
    }
    if (i >= xml_.size() || !IsNameStart(xml_[i])) {
      ++pos_;
      return Markup::kText;
    }
    const std::size_t name_begin = i;
    while (i < xml_.size() && !IsXmlSpace(xml_[i]) && xml_[i] != '/' &&
           xml_[i] != '>') {
      ++i;
    }
    tag->name = xml_.substr(name_begin, i - name_begin);
    char quote = 0;
    for (; i < xml_.size(); ++i) {
      const char c = xml_[i];
      if (quote != 0) {
        if (c == quote) quote = 0;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '>') {
        tag->self_closing = !tag->end && xml_[i - 1] == '/';
        pos_ = i + 1;
        return Markup::kTag;
      }
    }
    Finish();  // unterminated tag
    return Markup::kSkipped;
  }

  // After <loc>: the decoded, trimmed text up to </loc>; nullopt if empty or
  // unterminated.
  std::optional<std::string> ReadLoc() {
    std::string text;
    int inner = 0;  // elements opened (and still open) inside the <loc>
    while (!done_) {
      const std::size_t lt = xml_.find('<', pos_);
      if (lt == std::string_view::npos) {
        Finish();
        break;
      }
      AppendDecoded(xml_.substr(pos_, lt - pos_), &text);
      pos_ = lt;
      if (StartsWith(xml_, pos_, "<![CDATA[")) {
        const std::size_t begin = pos_ + 9;
        const std::size_t end = xml_.find("]]>", begin);
        if (end == std::string_view::npos) {
          Finish();
          break;
        }
        text.append(xml_.substr(begin, end - begin));
        pos_ = end + 3;
        continue;
      }
      Tag tag;
      const Markup markup = Next(&tag);
      if (markup == Markup::kText) text.push_back('<');
      if (markup != Markup::kTag || tag.self_closing) continue;
      if (!tag.end) {  // an element inside <loc>: its tags are dropped
        ++inner;
        continue;
      }
      if (inner > 0) {
        --inner;
        continue;
      }
      if (!LocalNameIs(tag.name, "loc")) {  // e.g. </url>: no </loc> came
        pos_ = lt;                          // Run() reads that end tag again
        return std::nullopt;
      }
      const auto not_space = [](char c) { return !IsXmlSpace(c); };
      const auto first = std::find_if(text.begin(), text.end(), not_space);
      const auto last = std::find_if(text.rbegin(), text.rend(), not_space);
      if (first == text.end()) return std::nullopt;
      return std::string(first, last.base());
    }
    return std::nullopt;
  }

  void Add(std::string loc, bool is_url) {
    if (out_->urls.size() + out_->sitemaps.size() >= max_entries_) {
      out_->truncated = true;
      Finish();
      return;
    }
    (is_url ? out_->urls : out_->sitemaps).push_back(std::move(loc));
  }

  std::string_view xml_;
  std::size_t max_entries_;
  Sitemap* out_;
  std::size_t pos_ = 0;
  bool done_ = false;
};

}  // namespace

Sitemap ParseSitemap(std::string_view body, std::size_t max_bytes,
                     std::size_t max_entries) {
  Sitemap result;
  std::string inflated;
  if (body.size() >= 2 && static_cast<unsigned char>(body[0]) == 0x1f &&
      static_cast<unsigned char>(body[1]) == 0x8b) {
    inflated = Gunzip(body, max_bytes, &result.truncated);
    body = inflated;
  } else if (body.size() > max_bytes) {
    body = body.substr(0, max_bytes);
    result.truncated = true;
  }
  Scanner(body, max_entries, &result).Run();
  return result;
}

}  // namespace crawl
