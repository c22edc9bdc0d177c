// libFuzzer target for crawl/url.h. The input is split at its first '\n'
// into a base and a reference; the whole input is also normalised on its
// own. Every accepted URL must be canonical: a fixed point of NormalizeUrl,
// http(s), free of fragments, spaces, controls and non-ASCII bytes, and no
// longer than the limit; and resolving against a base must not depend on
// whether the base was normalised first. A violated invariant traps.
//
// Build (clang): clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined
//   -Iinclude -Isrc src/url/url.cc tests/fuzz/url_fuzz.cc
//   $(pkg-config --cflags --libs liburiparser libidn2)
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "crawl/url.h"

namespace {

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

void CheckResult(const crawl::UrlResult& r, std::size_t max_length) {
  Check(crawl::UrlDropName(r.drop) != nullptr);
  if (!r.ok()) {
    Check(r.url.empty());
    return;
  }
  const std::string_view url = r.url;
  Check(url.starts_with("http://") || url.starts_with("https://"));
  Check(url.size() <= max_length);
  for (char c : url) {
    const auto b = static_cast<unsigned char>(c);
    Check(b > 0x20 && b < 0x7F && c != '#' && c != '\\');
  }
  Check(!crawl::UrlHost(url).empty());
  // Idempotence, alone and as a base for an empty reference.
  const crawl::UrlResult again = crawl::NormalizeUrl(url, max_length);
  Check(again.ok() && again.url == url);
  // (ResolveUrl drops the userinfo NormalizeUrl keeps.)
  std::string without_userinfo(url);
  crawl::StripUserInfo(without_userinfo);
  const crawl::UrlResult self = crawl::ResolveUrl(url, "", max_length);
  Check(self.ok() && self.url == without_userinfo);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  const std::string_view base = input.substr(0, newline);
  const std::string_view ref = newline == std::string_view::npos
                                   ? std::string_view()
                                   : input.substr(newline + 1);
  // A small limit as well, to exercise the length checks.
  for (std::size_t max_length :
       {crawl::kDefaultMaxUrlLength, std::size_t{40}}) {
    CheckResult(crawl::NormalizeUrl(input, max_length), max_length);
    CheckResult(crawl::NormalizeUrl(base, max_length), max_length);
    const crawl::UrlResult resolved = crawl::ResolveUrl(base, ref, max_length);
    CheckResult(resolved, max_length);
    // Normalising the base first changes nothing.
    const crawl::UrlResult clean_base = crawl::NormalizeUrl(base, max_length);
    if (resolved.ok() && clean_base.ok()) {
      const crawl::UrlResult again =
          crawl::ResolveUrl(clean_base.url, ref, max_length);
      Check(again.ok() && again.url == resolved.url);
    }
  }
  return 0;
}
