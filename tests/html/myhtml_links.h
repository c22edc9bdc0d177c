// The reference for differential tests of ExtractLinks (src/html/links.h):
// the same contract, implemented with myhtml's tokenizer (Debian
// libmodest-dev) and myhtml's attribute-value decoder. Test-only.
//
// It differs from ExtractLinks only where myhtml differs from HTML5: the
// known cases are in myhtml_differences.h.
//
// Thread safety: may be called from any number of threads at once (each
// thread uses its own parser).
#ifndef CRAWL_TESTS_HTML_MYHTML_LINKS_H_
#define CRAWL_TESTS_HTML_MYHTML_LINKS_H_

#include <cstddef>
#include <limits>
#include <string_view>

#include "html/links.h"

namespace crawl {

HtmlLinks ExtractLinksMyhtml(std::string_view html,
                             std::size_t max_links =
                                 std::numeric_limits<std::size_t>::max());

}  // namespace crawl

#endif  // CRAWL_TESTS_HTML_MYHTML_LINKS_H_
