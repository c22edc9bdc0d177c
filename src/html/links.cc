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
#include "html/encoding.h"
#include "html/link_rules.h"
#include "html/tokenizer.h"
#include "util/ascii.h"
#include "util/utf8.h"

namespace crawl {
namespace {

// Bytes LooksLikeHtml looks at (the MIME sniffing "resource header").
constexpr std::size_t kSniffBytes = 512;

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
  LinkCollector(std::size_t max_links, std::string_view robots_token,
                Transcoder* transcoder, HtmlLinks* out)
      : max_links_(max_links),
        robots_token_(robots_token),
        transcoder_(transcoder),
        out_(out) {}
  LinkCollector(const LinkCollector&) = delete;
  LinkCollector& operator=(const LinkCollector&) = delete;

  void OnStartTag(HtmlTag tag,
                  const std::vector<HtmlAttribute>& attributes) override {
    switch (tag) {
      case HtmlTag::kA:
      case HtmlTag::kArea:
        AddLink(FindAttribute(attributes, "href"), RelNofollow(attributes));
        break;
      case HtmlTag::kIframe:
      case HtmlTag::kFrame:
        AddUrl(FindAttribute(attributes, "src"));
        break;
      case HtmlTag::kLink: {
        const HtmlAttribute* rel = FindAttribute(attributes, "rel");
        if (rel != nullptr && IsPageRel(Decode(*rel))) {
          AddLink(FindAttribute(attributes, "href"), RelNofollow(attributes));
        }
        break;
      }
      case HtmlTag::kMeta:
        AddRefresh(attributes);
        CheckMetaRobots(attributes);
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
    std::string_view raw = attribute.value;
    if (transcoder_ != nullptr && !IsAscii(raw)) {
      // Bytes of the page's encoding to UTF-8 first, then references.
      transcoded_.clear();
      transcoder_->ToUtf8(raw, transcoded_);
      raw = transcoded_;
    }
    if (!NeedsAttributeDecoding(raw)) return raw;
    scratch_.clear();
    AppendDecodedAttributeValue(raw, scratch_);
    return scratch_;
  }

  static bool IsAscii(std::string_view s) {
    for (char c : s) {
      if (static_cast<unsigned char>(c) >= 0x80) return false;
    }
    return true;
  }

  void AddLink(const HtmlAttribute* attribute, bool nofollow) {
    if (attribute == nullptr) return;
    const std::string_view value = Decode(*attribute);
    if (TrimAsciiWhitespace(value).empty()) {
      out_->empty_href = true;
      return;
    }
    AddUrl(value, nofollow);
  }

  void AddUrl(const HtmlAttribute* attribute) {  // iframe/frame src
    if (attribute != nullptr) AddUrl(Decode(*attribute));
  }

  void AddUrl(std::string_view url, bool nofollow = false) {
    url = TrimAsciiWhitespace(url);
    if (url.empty() || HasSkippedScheme(url)) return;
    if (out_->hrefs.size() < max_links_) {
      AppendSanitized(url, out_->hrefs.emplace_back());
      out_->rel_nofollow.push_back(nofollow);
    } else {
      ++out_->dropped;
    }
  }

  // rel="... nofollow ..." (space-separated keywords, any case).
  bool RelNofollow(const std::vector<HtmlAttribute>& attributes) {
    const HtmlAttribute* rel = FindAttribute(attributes, "rel");
    if (rel == nullptr) return false;
    std::string_view v = Decode(*rel);
    while (!v.empty()) {
      while (!v.empty() && IsAsciiWhitespace(v.front())) v.remove_prefix(1);
      std::size_t end = 0;
      while (end < v.size() && !IsAsciiWhitespace(v[end])) ++end;
      if (EqualsIgnoreCase(v.substr(0, end), "nofollow")) return true;
      v.remove_prefix(end);
    }
    return false;
  }

  void CheckMetaRobots(const std::vector<HtmlAttribute>& attributes) {
    if (out_->meta_nofollow) return;
    const HtmlAttribute* name = FindAttribute(attributes, "name");
    if (name == nullptr) return;
    const std::string_view n = TrimAsciiWhitespace(Decode(*name));
    if (!EqualsIgnoreCase(n, "robots") &&
        (robots_token_.empty() || !EqualsIgnoreCase(n, robots_token_))) {
      return;
    }
    const HtmlAttribute* content = FindAttribute(attributes, "content");
    if (content != nullptr &&
        RobotsNofollow(Decode(*content), robots_token_, /*header=*/false)) {
      out_->meta_nofollow = true;
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
  const std::string_view robots_token_;
  Transcoder* const transcoder_;
  HtmlLinks* const out_;
  std::string scratch_;     // decoded values
  std::string transcoded_;  // values in UTF-8, before references
};

}  // namespace

HtmlLinks ExtractLinks(std::string_view html, std::size_t max_links,
                       std::string_view robots_token, Transcoder* transcoder) {
  HtmlLinks links;
  LinkCollector collector(max_links, robots_token, transcoder, &links);
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

namespace {

std::string_view TrimHttpWhitespace(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' ||
                        s.front() == '\r' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' ||
                        s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

bool RobotsNofollow(std::string_view value, std::string_view robots_token,
                    bool header) {
  if (header) {
    // "googlebot: nofollow" applies to googlebot only; a directive has no
    // ':' of its own (unavailable_after: DATE aside, which says nothing of
    // links).
    // Only a first token can name an agent: in "nofollow,
    // unavailable_after: DATE" the colon belongs to the second directive.
    const std::size_t colon = value.find(':');
    if (colon != std::string_view::npos &&
        value.substr(0, colon).find(',') == std::string_view::npos) {
      const std::string_view agent = TrimHttpWhitespace(value.substr(0, colon));
      const bool directive = EqualsIgnoreCase(agent, "unavailable_after");
      if (!directive) {
        if (!EqualsIgnoreCase(agent, "robots") &&
            (robots_token.empty() || !EqualsIgnoreCase(agent, robots_token))) {
          return false;
        }
        value.remove_prefix(colon + 1);
      }
    }
  }
  while (!value.empty()) {
    const std::size_t comma = value.find(',');
    const std::string_view d = TrimHttpWhitespace(value.substr(0, comma));
    if (EqualsIgnoreCase(d, "nofollow") || EqualsIgnoreCase(d, "none")) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

bool IsHtmlMimeType(std::string_view content_type) {
  const std::string_view essence =
      TrimHttpWhitespace(content_type.substr(0, content_type.find(';')));
  return EqualsIgnoreCase(essence, "text/html") ||
         EqualsIgnoreCase(essence, "application/xhtml+xml");
}

bool IsHtmlResponse(std::string_view content_type, std::string_view body) {
  if (TrimHttpWhitespace(content_type).empty()) return LooksLikeHtml(body);
  return IsHtmlMimeType(content_type);
}

}  // namespace crawl
