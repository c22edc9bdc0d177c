// The rules of link extraction that do not depend on the tokenizer: which
// URLs are never followed, which <link rel> names a page, where a meta
// refresh points. Shared by the extractor
// (links.cc) and by the myhtml reference the tests compare it with, so the
// two differ only in tokenizing.
//
// Thread safety: pure functions.
#ifndef CRAWL_HTML_LINK_RULES_H_
#define CRAWL_HTML_LINK_RULES_H_

#include <optional>
#include <string_view>

#include "util/ascii.h"

namespace crawl {

// Whether the URL `value` has a scheme we never follow (javascript:,
// mailto:, tel:, data:). Like the URL parser, ignores leading C0 controls
// and spaces and any tab, LF or CR, so that "java\tscript:" counts too.
bool HasSkippedScheme(std::string_view value);

// Whether a <link rel> names another page: one of its space-separated
// keywords is alternate, next or prev, and none is stylesheet or icon (an
// "alternate stylesheet" is CSS, an "alternate icon" an image).
bool IsPageRel(std::string_view rel);

// The URL of a <meta http-equiv=refresh content=...>, by HTML's "shared
// declarative refresh steps": a time ("5", "0.5", ".5"), then ';', ',' or
// whitespace, then optionally "url" "=" (any case, spaces around '='), then
// the URL, optionally quoted with ' or " (cut at the closing quote). None if
// the content is malformed or names no URL (a refresh of the page itself).
std::optional<std::string_view> RefreshUrl(std::string_view s);

}  // namespace crawl

#endif  // CRAWL_HTML_LINK_RULES_H_
