// Link extraction from HTML: what an HTML5 tokenizer sees, with our own
// tokenizer (tokenizer.h). The library's only folder that includes myhtml
// (Debian's libmodest-dev), for its table of named character references
// only (char_ref.h); tests compare with a myhtml-based reference
// (tests/html/myhtml_links.h).
//
// Extracted, in document order: a[href], area[href], iframe[src],
// frame[src], link[href] whose rel contains alternate, next or prev (not
// stylesheets or icons), and the URL of <meta http-equiv="refresh"
// content="N; url=...">. The first <base href> is reported separately.
// Nothing is taken from comments or from the text of <script>, <style>,
// <textarea>, <title> (raw text and RCDATA, as HTML5 tokenizes them).
// Character references in attribute values are decoded. Values are trimmed
// of ASCII whitespace; empty values and javascript:, mailto:, tel:, data:
// targets are skipped. Attribute names are case-insensitive; of duplicate
// attributes the first wins; NUL bytes and invalid UTF-8 are handled as
// HTML5 says (never a crash, whatever the bytes).
//
// Tags cut by the end of the input are dropped, as HTML5 says; the text
// states follow the tokenizer alone (no tree builder), see tokenizer.h.
//
// Thread safety: ExtractLinks may be called from any number of threads at
// once (no shared state).
#ifndef CRAWL_HTML_LINKS_H_
#define CRAWL_HTML_LINKS_H_

#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace crawl {

struct HtmlLinks {
  // Link targets as written (decoded, trimmed, not resolved).
  std::vector<std::string> hrefs;
  // Per href: its element's rel has the keyword nofollow (a hint for
  // search engines; crawl still follows such links and reports them).
  std::vector<bool> rel_nofollow;
  // A <meta name="robots"> (or name= the robots token given to
  // ExtractLinks) whose content says nofollow or none.
  bool meta_nofollow = false;
  // The first <base href> (decoded, trimmed), if any.
  std::string base_href;
  bool has_base = false;
  // Links found past `max_links` (not in `hrefs`).
  std::size_t dropped = 0;
  // Some a/area/link had an empty (or all-whitespace) href: a link to the
  // document's base URL (not in `hrefs`, which are never empty).
  bool empty_href = false;
};

// Extracts the links of `html`. Keeps at most `max_links` of them and counts
// the rest in `dropped`.
// `robots_token` (lower case, e.g. "crawl"): a <meta name> that also
// speaks to us, besides "robots". `transcoder`: the page is in that
// (ASCII-compatible) encoding, not UTF-8: link values are decoded from it
// before character references are, so hrefs come out as UTF-8.
class Transcoder;
HtmlLinks ExtractLinks(std::string_view html,
                       std::size_t max_links =
                           std::numeric_limits<std::size_t>::max(),
                       std::string_view robots_token = {},
                       Transcoder* transcoder = nullptr);

// Whether a robots meta content or an X-Robots-Tag header value forbids
// following links: one of its comma-separated directives is nofollow or none
// (ASCII case-insensitive). With `header`, the value may name a user agent
// first ("otherbot: nofollow"); it then applies only if that agent is
// `robots_token` (or "robots").
bool RobotsNofollow(std::string_view value, std::string_view robots_token,
                    bool header);

// Whether a body with no (or an unhelpful) Content-Type looks like HTML, by
// the WHATWG MIME sniffing rules for HTML (leading whitespace, then a tag
// such as <!DOCTYPE HTML, <html, <head, <body, <a, <p, <div, <table, <script,
// <!--, ... case-insensitively, followed by space or '>').
bool LooksLikeHtml(std::string_view body);

// Whether a Content-Type header value declares HTML: its essence (type/
// subtype, before any parameter, ASCII case-insensitive, whitespace
// trimmed) is text/html or application/xhtml+xml.
bool IsHtmlMimeType(std::string_view content_type);

// Whether a response is HTML, for link extraction: decided by its declared
// Content-Type alone; only a response without one (or an empty one) is
// sniffed (LooksLikeHtml), as WHATWG MIME Sniffing 7.1 says.
bool IsHtmlResponse(std::string_view content_type, std::string_view body);

}  // namespace crawl

#endif  // CRAWL_HTML_LINKS_H_
