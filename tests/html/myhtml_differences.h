// Where ExtractLinksMyhtml (myhtml_links.h) is known to be wrong by HTML5,
// and so differs from ExtractLinks. Found by tests/html/links_diff_test.cc
// and tests/fuzz/links_diff_fuzz.cc; each has a test there
// (KnownMyhtmlDifference*) with the HTML5 answer, which html5lib (Debian's
// python3-html5lib) gives too.
//
// Both are in myhtml's attribute-value decoder (myhtml_data_process):
//   1. A named character reference cut by the end of the value while the
//      walk of the table could still go on: "&notin" at the end of a value
//      is left as written by HTML5 (the longest match, "not", is followed by
//      'i'), but myhtml decodes the shorter match and drops the rest ("¬").
//   2. A CR just before a character reference and an LF just after it: the
//      CR becomes an LF, and myhtml then also drops the LF as if the two had
//      been one CR LF pair ("a\r&amp;\nb" gives "a\n&b", not "a\n&\nb").
#ifndef CRAWL_TESTS_HTML_MYHTML_DIFFERENCES_H_
#define CRAWL_TESTS_HTML_MYHTML_DIFFERENCES_H_

#include <string>
#include <string_view>

namespace crawl {

// Which known bugs an input may hit, judged from the attributes of the
// start tags that ExtractLinks reads (a, area, iframe, frame, link, meta,
// base) as our tokenizer sees them. A superset: a few values that myhtml
// gets right count too.
struct KnownMyhtmlBugs {
  // 1: a value ends with '&' and ASCII alphanumerics that HTML5 leaves as
  // written although a shorter prefix of them is a (legacy) name.
  bool reference_cut_by_end_of_value = false;
  // 2: a value has "\r&" and a later LF.
  bool cr_reference_lf = false;
};
KnownMyhtmlBugs FindKnownMyhtmlBugs(std::string_view html);

// `html` after HTML5's newline normalization of the input stream (CR LF and
// lone CR become LF). ExtractLinks gives the same links for both; myhtml
// does too, except that bug 2 cannot happen without CRs.
std::string NormalizeNewlines(std::string_view html);

}  // namespace crawl

#endif  // CRAWL_TESTS_HTML_MYHTML_DIFFERENCES_H_
