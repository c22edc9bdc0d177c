// ASCII helpers for protocol text (HTML names, header names, schemes):
// whitespace as HTML and HTTP define it, case-insensitive comparison against
// a lower-case literal. Locale-free, constexpr.
#ifndef CRAWL_UTIL_ASCII_H_
#define CRAWL_UTIL_ASCII_H_

#include <cstddef>
#include <string_view>

namespace crawl {

// HTML's ASCII whitespace: space, tab, LF, FF, CR.
constexpr bool IsAsciiWhitespace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

constexpr char AsciiLower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// Whether `s` equals `lower` (all lower case) ASCII case-insensitively.
constexpr bool EqualsIgnoreCase(std::string_view s, std::string_view lower) {
  if (s.size() != lower.size()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (AsciiLower(s[i]) != lower[i]) return false;
  }
  return true;
}

constexpr bool StartsWithIgnoreCase(std::string_view s,
                                    std::string_view lower) {
  return s.size() >= lower.size() &&
         EqualsIgnoreCase(s.substr(0, lower.size()), lower);
}

constexpr std::string_view TrimAsciiWhitespace(std::string_view s) {
  while (!s.empty() && IsAsciiWhitespace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsAsciiWhitespace(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace crawl

#endif  // CRAWL_UTIL_ASCII_H_
