// crawl/html.h — what a person reads on an HTML page: its title and its
// text, for a callback that keeps pages (OnResponse) or indexes them.
#ifndef CRAWL_HTML_H_
#define CRAWL_HTML_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace crawl {

struct PageText {
  // The first <title>'s text (an SVG's title is not the page's), with
  // whitespace runs collapsed to one space and trimmed; empty if none.
  std::string title;
  // The text of <body> as a reader sees it: no markup, comments, scripts,
  // styles, templates, <noscript> or <head>; character references decoded;
  // whitespace runs collapsed to one space; block elements (p, div, li,
  // headings, table rows, br, ...) end a line; no blank lines, no leading or
  // trailing whitespace on a line.
  std::string text;
};

// Reads `html` (the decoded body, as Response::body holds it), in the
// encoding that WHATWG's sniffing finds from `content_type`, a byte order
// mark or a <meta charset>; the result is always valid UTF-8 (bytes the
// encoding does not define become U+FFFD). Read with an HTML5 tokenizer
// (myhtml's) and no tree: character references, RCDATA and script text are
// as a browser reads them; unclosed and misnested tags cost nothing extra,
// and the time is linear in the input whatever its nesting. At most
// `max_bytes` of `html` are read. Thread-safe.
PageText ExtractPageText(std::string_view html, std::string_view content_type = {},
                         std::size_t max_bytes = std::size_t{16} << 20);

}  // namespace crawl

#endif  // CRAWL_HTML_H_
