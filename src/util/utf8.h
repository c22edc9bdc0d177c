// UTF-8 decoding steps as the WHATWG Encoding standard defines them: one
// well-formed sequence, or one maximal ill-formed subpart (which a decoder
// replaces by a single U+FFFD). Header-only; no dependencies.
#ifndef CRAWL_UTIL_UTF8_H_
#define CRAWL_UTIL_UTF8_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace crawl {

inline constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";

struct Utf8Step {
  std::size_t length;  // bytes consumed, >= 1
  bool valid;          // a well-formed sequence (else: replace by U+FFFD)
};

// The step at s[i] (i < s.size()).
inline Utf8Step NextUtf8(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) {
    return static_cast<unsigned char>(s[k]);
  };
  const unsigned char b = byte(i);
  if (b < 0x80) return {1, true};
  std::size_t need;
  unsigned char low = 0x80, high = 0xBF;  // allowed range of the next byte
  if (b >= 0xC2 && b <= 0xDF) {
    need = 1;
  } else if (b >= 0xE0 && b <= 0xEF) {
    need = 2;
    if (b == 0xE0) low = 0xA0;  // no overlong forms
    if (b == 0xED) high = 0x9F;  // no surrogates
  } else if (b >= 0xF0 && b <= 0xF4) {
    need = 3;
    if (b == 0xF0) low = 0x90;  // no overlong forms
    if (b == 0xF4) high = 0x8F;  // nothing above U+10FFFF
  } else {
    return {1, false};
  }
  std::size_t j = i + 1, seen = 0;
  while (seen < need && j < s.size() && byte(j) >= low && byte(j) <= high) {
    ++j;
    ++seen;
    low = 0x80;
    high = 0xBF;
  }
  return {j - i, seen == need};
}

// Appends `in` to `out` with every ill-formed subsequence replaced by one
// U+FFFD.
inline void AppendUtf8Sanitized(std::string_view in, std::string& out) {
  std::size_t i = 0;
  while (i < in.size()) {
    std::size_t j = i;
    while (j < in.size() && static_cast<unsigned char>(in[j]) < 0x80) ++j;
    out.append(in.substr(i, j - i));  // ASCII runs in one go
    i = j;
    if (i == in.size()) break;
    const Utf8Step step = NextUtf8(in, i);
    if (step.valid) {
      out.append(in.substr(i, step.length));
    } else {
      out.append(kReplacementChar);
    }
    i += step.length;
  }
}

// Appends code point `c` (at most U+10FFFF, not a surrogate) as UTF-8.
inline void AppendUtf8(std::uint32_t c, std::string& out) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

// Whether `in` is well-formed UTF-8 throughout (ASCII runs 8 bytes at a
// time).
inline bool IsValidUtf8(std::string_view in) {
  std::size_t i = 0;
  while (i < in.size()) {
    while (i + 8 <= in.size()) {
      std::uint64_t word;
      std::memcpy(&word, in.data() + i, sizeof word);
      if ((word & 0x8080808080808080u) != 0) break;
      i += 8;
    }
    if (i == in.size()) break;
    if (static_cast<unsigned char>(in[i]) < 0x80) {
      ++i;
      continue;
    }
    const Utf8Step step = NextUtf8(in, i);
    if (!step.valid) return false;
    i += step.length;
  }
  return true;
}

}  // namespace crawl

#endif  // CRAWL_UTIL_UTF8_H_
