// A 63-bit fingerprint of a string: the key of a URL in a store that
// outlives its process or is shared between processes, so the same on
// every machine and in every build. Multiply-xorshift over 8-byte words,
// little-endian; 63 bits, so that it never reaches kNoUrl.
#ifndef CRAWL_UTIL_FINGERPRINT_H_
#define CRAWL_UTIL_FINGERPRINT_H_

#include <cstdint>
#include <cstring>
#include <string_view>

namespace crawl {

inline std::uint64_t Fingerprint(std::string_view s) {
  constexpr std::uint64_t m = 0xc6a4a7935bd1e995ULL;
  std::uint64_t h = 0x9e3779b97f4a7c15ULL ^ (s.size() * m);
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t k;
    std::memcpy(&k, s.data() + i, 8);
    k *= m;
    k ^= k >> 47;
    k *= m;
    h ^= k;
    h *= m;
  }
  if (i < s.size()) {
    std::uint64_t k = 0;
    std::memcpy(&k, s.data() + i, s.size() - i);
    h ^= k;
    h *= m;
  }
  h ^= h >> 47;
  h *= m;
  h ^= h >> 47;
  return h >> 1;
}

}  // namespace crawl

#endif  // CRAWL_UTIL_FINGERPRINT_H_
