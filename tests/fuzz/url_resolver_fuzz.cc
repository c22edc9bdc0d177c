// Differential libFuzzer target for crawl::UrlResolver: its fast paths must
// give exactly what ResolveUrl gives. The input is split at its first '\n'
// into a base and a reference; the reference, and each of its '\n'-separated
// pieces, is resolved against the base both ways, at the default limit, at
// a small one, and at the result's own length and one less. Any difference
// in url or drop reason traps.
//
// Build (clang): configure with -DCMAKE_CXX_COMPILER=clang++-14
//   -DCRAWL_FUZZ=ON -DCRAWL_SANITIZE=address,undefined
// and run e.g.
//   build-fuzz/tests/fuzz/url_resolver_fuzz -dict=tests/fuzz/url_resolver.dict
//     CORPUS_DIR tests/fuzz/corpus/url_resolver
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "crawl/url.h"

namespace {

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

void CheckSame(const crawl::UrlResolver& resolver, std::string_view base,
               std::string_view ref, std::size_t max_length) {
  const crawl::UrlResult want = crawl::ResolveUrl(base, ref, max_length);
  const crawl::UrlResult got = resolver.Resolve(ref);
  Check(got.drop == want.drop);
  Check(got.url == want.url);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  const std::string_view base = input.substr(0, newline);
  const std::string_view ref = newline == std::string_view::npos
                                   ? std::string_view()
                                   : input.substr(newline + 1);

  // One resolver for several references: the whole, then its pieces.
  const crawl::UrlResolver resolver(base);
  CheckSame(resolver, base, ref, crawl::kDefaultMaxUrlLength);
  std::string_view rest = ref;
  for (int pieces = 0; pieces < 8 && !rest.empty(); ++pieces) {
    const std::size_t end = rest.find('\n');
    CheckSame(resolver, base, rest.substr(0, end),
              crawl::kDefaultMaxUrlLength);
    rest = end == std::string_view::npos ? std::string_view()
                                         : rest.substr(end + 1);
  }

  // The length checks, around the result's own length and at a small limit.
  const crawl::UrlResult full = crawl::ResolveUrl(base, ref);
  if (full.ok()) {
    for (std::size_t max_length : {full.url.size(), full.url.size() - 1}) {
      CheckSame(crawl::UrlResolver(base, max_length), base, ref, max_length);
    }
  }
  CheckSame(crawl::UrlResolver(base, 40), base, ref, 40);
  return 0;
}
