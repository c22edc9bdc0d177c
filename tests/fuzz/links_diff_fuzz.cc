// Differential libFuzzer target: ExtractLinks (src/html/links.h, our HTML5
// tokenizer) against ExtractLinksMyhtml (tests/html/myhtml_links.h, myhtml's
// tokenizer and decoder). Traps when they differ in hrefs, base_href,
// has_base or dropped, on the whole input and with a small max_links (chosen
// by the last byte, so the HTML itself is unchanged).
//
// Around myhtml's known decoder bugs (tests/html/myhtml_differences.h),
// where myhtml is wrong by HTML5 and links_diff_test checks the HTML5
// answer: an input that may hit bug 2 (CR, reference, LF) is given to
// myhtml with its newlines normalized, which HTML5 does first anyway (and
// ExtractLinks must give the same links for both); an input that may hit
// bug 1 (a reference cut by the end of a value) is not compared.
//
// Build with the fuzz configuration (tests/fuzz/CMakeLists.txt), then e.g.
//   build/fuzz/tests/fuzz/links_diff_fuzz -max_total_time=300
//     -dict=tests/fuzz/links_diff.dict CORPUS_DIR tests/fuzz/corpus/links_diff
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "html/links.h"
#include "html/myhtml_differences.h"
#include "html/myhtml_links.h"

namespace {

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

bool SameLinks(const crawl::HtmlLinks& a, const crawl::HtmlLinks& b) {
  return a.hrefs == b.hrefs && a.base_href == b.base_href &&
         a.has_base == b.has_base && a.dropped == b.dropped;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const crawl::HtmlLinks ours = crawl::ExtractLinks(input);
  const std::size_t max_links = size == 0 ? 0 : data[size - 1] % 4;
  const crawl::HtmlLinks ours_some = crawl::ExtractLinks(input, max_links);

  const crawl::KnownMyhtmlBugs bugs = crawl::FindKnownMyhtmlBugs(input);
  std::string normalized;
  std::string_view for_myhtml = input;
  if (bugs.cr_reference_lf) {
    normalized = crawl::NormalizeNewlines(input);
    Check(SameLinks(ours, crawl::ExtractLinks(normalized)));
    for_myhtml = normalized;
  }
  if (bugs.reference_cut_by_end_of_value) return 0;
  Check(SameLinks(ours, crawl::ExtractLinksMyhtml(for_myhtml)));
  Check(SameLinks(ours_some, crawl::ExtractLinksMyhtml(for_myhtml, max_links)));
  return 0;
}
