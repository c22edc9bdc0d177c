// Link extraction (links.h) on our own HTML5 tokenizer (tokenizer.h): the
// tokenizer passes the start tags of the elements that hold links with their
// raw attributes; only the attributes needed are decoded (char_ref.h), and
// only those with '&', NUL or CR need more than a copy.
#include "html/links.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "html/char_ref.h"
#include "html/tokenizer.h"
#include "util/utf8.h"

namespace crawl {
namespace {

// Bytes LooksLikeHtml looks at (the MIME sniffing "resource header").
constexpr std::size_t kSniffBytes = 512;

constexpr bool IsAsciiWhitespace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

constexpr char AsciiLower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// Whether `s` equals `lower` (all lower case) ASCII case-insensitively.
bool EqualsIgnoreCase(std::string_view s, std::string_view lower) {
  if (s.size() != lower.size()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (AsciiLower(s[i]) != lower[i]) return false;
  }
  return true;
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view lower) {
  return s.size() >= lower.size() &&
         EqualsIgnoreCase(s.substr(0, lower.size()), lower);
}

std::string_view TrimAsciiWhitespace(std::string_view s) {
  while (!s.empty() && IsAsciiWhitespace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsAsciiWhitespace(s.back())) s.remove_suffix(1);
  return s;
}

// Appends `in` to `out`, with every ill-formed UTF-8 subsequence replaced
// by U+FFFD. Values are nearly always ASCII: checked 8 bytes at a time.
void AppendSanitized(std::string_view in, std::string& out) {
  std::size_t i = 0;
  for (; i + 8 <= in.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, in.data() + i, sizeof(word));
    if ((word & 0x8080808080808080u) != 0) break;
  }
  while (i < in.size() && static_cast<unsigned char>(in[i]) < 0x80) ++i;
  if (i == in.size()) {
    out.append(in);
  } else {
    AppendUtf8Sanitized(in, out);
  }
}

// Whether the URL `value` has a scheme we never follow. Like the URL parser,
// ignores leading C0 controls and spaces and any tab, LF or CR, so that
// "java\tscript:" counts too.
bool HasSkippedScheme(std::string_view value) {
  std::size_t i = 0;
  while (i < value.size() && static_cast<unsigned char>(value[i]) <= ' ') ++i;
  if (i == value.size()) return false;
  const char first = AsciiLower(value[i]);  // most links leave here
  if (first != 'j' && first != 'm' && first != 't' && first != 'd') {
    return false;
  }
  char scheme[12];
  std::size_t n = 0;
  for (; i < value.size() && n < sizeof(scheme); ++i) {
    const char c = value[i];
    if (c == '\t' || c == '\n' || c == '\r') continue;
    scheme[n++] = AsciiLower(c);
    if (c == ':') break;
  }
  if (n == 0 || scheme[n - 1] != ':') return false;
  const std::string_view prefix(scheme, n);
  for (std::string_view skipped : {"javascript:", "mailto:", "tel:", "data:"}) {
    if (prefix == skipped) return true;
  }
  return false;
}

// Whether a <link rel> names another page: one of its space-separated
// keywords is alternate, next or prev, and none is stylesheet or icon (an
// "alternate stylesheet" is CSS, an "alternate icon" an image).
bool IsPageRel(std::string_view rel) {
  bool page = false;
  while (!rel.empty()) {
    while (!rel.empty() && IsAsciiWhitespace(rel.front())) rel.remove_prefix(1);
    std::size_t end = 0;
    while (end < rel.size() && !IsAsciiWhitespace(rel[end])) ++end;
    const std::string_view keyword = rel.substr(0, end);
    rel.remove_prefix(end);
    if (EqualsIgnoreCase(keyword, "alternate") ||
        EqualsIgnoreCase(keyword, "next") ||
        EqualsIgnoreCase(keyword, "prev")) {
      page = true;
    } else if (EqualsIgnoreCase(keyword, "stylesheet") ||
               EqualsIgnoreCase(keyword, "icon")) {
      return false;
    }
  }
  return page;
}

// The URL of a <meta http-equiv=refresh content=...>, by HTML's "shared
// declarative refresh steps": a time ("5", "0.5", ".5"), then ';', ',' or
// whitespace, then optionally "url" "=" (any case, spaces around '='), then
// the URL, optionally quoted with ' or " (cut at the closing quote). None if
// the content is malformed or names no URL (a refresh of the page itself).
std::optional<std::string_view> RefreshUrl(std::string_view s) {
  std::size_t i = 0;
  const auto skip_whitespace = [&s](std::size_t& pos) {
    while (pos < s.size() && IsAsciiWhitespace(s[pos])) ++pos;
  };
  const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  skip_whitespace(i);
  const std::size_t time_begin = i;
  while (i < s.size() && is_digit(s[i])) ++i;
  if (i == time_begin && (i == s.size() || s[i] != '.')) return std::nullopt;
  while (i < s.size() && (is_digit(s[i]) || s[i] == '.')) ++i;
  if (i == s.size()) return std::nullopt;
  if (s[i] != ';' && s[i] != ',' && !IsAsciiWhitespace(s[i])) {
    return std::nullopt;
  }
  skip_whitespace(i);
  if (i < s.size() && (s[i] == ';' || s[i] == ',')) ++i;
  skip_whitespace(i);
  if (i == s.size()) return std::nullopt;
  if (StartsWithIgnoreCase(s.substr(i), "url")) {
    std::size_t j = i + 3;
    skip_whitespace(j);
    if (j < s.size() && s[j] == '=') {
      ++j;
      skip_whitespace(j);
      i = j;
    }
  }
  char quote = 0;
  if (i < s.size() && (s[i] == '\'' || s[i] == '"')) quote = s[i++];
  std::string_view url = s.substr(i);
  if (quote != 0) url = url.substr(0, url.find(quote));
  return url;
}

// The start tags that hold links.
constexpr std::uint32_t kLinkTags =
    HtmlTagBit(HtmlTag::kA) | HtmlTagBit(HtmlTag::kArea) |
    HtmlTagBit(HtmlTag::kIframe) | HtmlTagBit(HtmlTag::kFrame) |
    HtmlTagBit(HtmlTag::kLink) | HtmlTagBit(HtmlTag::kMeta) |
    HtmlTagBit(HtmlTag::kBase);

// The first attribute named `lower_name` (ASCII case-insensitively): HTML5
// drops later duplicates.
const HtmlAttribute* FindAttribute(const std::vector<HtmlAttribute>& attributes,
                                   std::string_view lower_name) {
  for (const HtmlAttribute& attribute : attributes) {
    if (EqualsIgnoreCase(attribute.name, lower_name)) return &attribute;
  }
  return nullptr;
}

// Collects the links of one ExtractLinks call.
class LinkCollector : public HtmlTagHandler {
 public:
  LinkCollector(std::size_t max_links, HtmlLinks* out)
      : max_links_(max_links), out_(out) {}
  LinkCollector(const LinkCollector&) = delete;
  LinkCollector& operator=(const LinkCollector&) = delete;

  void OnStartTag(HtmlTag tag,
                  const std::vector<HtmlAttribute>& attributes) override {
    switch (tag) {
      case HtmlTag::kA:
      case HtmlTag::kArea:
        AddLink(FindAttribute(attributes, "href"));
        break;
      case HtmlTag::kIframe:
      case HtmlTag::kFrame:
        AddLink(FindAttribute(attributes, "src"));
        break;
      case HtmlTag::kLink: {
        const HtmlAttribute* rel = FindAttribute(attributes, "rel");
        if (rel != nullptr && IsPageRel(Decode(*rel))) {
          AddLink(FindAttribute(attributes, "href"));
        }
        break;
      }
      case HtmlTag::kMeta:
        AddRefresh(attributes);
        break;
      case HtmlTag::kBase:
        if (!out_->has_base) {
          const HtmlAttribute* href = FindAttribute(attributes, "href");
          if (href != nullptr) {
            out_->has_base = true;
            AppendSanitized(TrimAsciiWhitespace(Decode(*href)),
                            out_->base_href);
          }
        }
        break;
      default:
        break;
    }
  }

 private:
  // The value of `attribute` as HTML5 decodes it. Valid until the next call.
  std::string_view Decode(const HtmlAttribute& attribute) {
    if (!NeedsAttributeDecoding(attribute.value)) return attribute.value;
    scratch_.clear();
    AppendDecodedAttributeValue(attribute.value, scratch_);
    return scratch_;
  }

  void AddLink(const HtmlAttribute* attribute) {
    if (attribute != nullptr) AddUrl(Decode(*attribute));
  }

  void AddUrl(std::string_view url) {
    url = TrimAsciiWhitespace(url);
    if (url.empty() || HasSkippedScheme(url)) return;
    if (out_->hrefs.size() < max_links_) {
      AppendSanitized(url, out_->hrefs.emplace_back());
    } else {
      ++out_->dropped;
    }
  }

  void AddRefresh(const std::vector<HtmlAttribute>& attributes) {
    const HtmlAttribute* equiv = FindAttribute(attributes, "http-equiv");
    if (equiv == nullptr ||
        !EqualsIgnoreCase(TrimAsciiWhitespace(Decode(*equiv)), "refresh")) {
      return;
    }
    const HtmlAttribute* content = FindAttribute(attributes, "content");
    if (content == nullptr) return;
    if (const auto url = RefreshUrl(Decode(*content))) AddUrl(*url);
  }

  const std::size_t max_links_;
  HtmlLinks* const out_;
  std::string scratch_;  // decoded values
};

}  // namespace

HtmlLinks ExtractLinks(std::string_view html, std::size_t max_links) {
  HtmlLinks links;
  LinkCollector collector(max_links, &links);
  TokenizeHtml(html, kLinkTags, collector);
  return links;
}

bool LooksLikeHtml(std::string_view body) {
  // The WHATWG MIME sniffing patterns for text/html, matched ASCII
  // case-insensitively; all but "<!--" must be followed by a tag-terminating
  // byte (space or '>').
  static constexpr std::array<std::string_view, 17> kPatterns = {
      "<!doctype html",
      "<html",
      "<head",
      "<script",
      "<iframe",
      "<h1",
      "<div",
      "<font",
      "<table",
      "<a",
      "<style",
      "<title",
      "<b",
      "<body",
      "<br",
      "<p",
      "<!--",
  };
  body = body.substr(0, std::min(body.size(), kSniffBytes));
  if (body.starts_with("\xEF\xBB\xBF")) body.remove_prefix(3);
  while (!body.empty() && IsAsciiWhitespace(body.front())) {
    body.remove_prefix(1);
  }
  for (std::string_view pattern : kPatterns) {
    if (!StartsWithIgnoreCase(body, pattern)) continue;
    if (pattern == "<!--") return true;
    if (body.size() > pattern.size() &&
        (body[pattern.size()] == ' ' || body[pattern.size()] == '>')) {
      return true;
    }
  }
  return false;
}

}  // namespace crawl
