#include "html/link_rules.h"

namespace crawl {

bool HasSkippedScheme(std::string_view value) {
  std::size_t i = 0;
  while (i < value.size() && static_cast<unsigned char>(value[i]) <= ' ') ++i;
  if (i == value.size()) return false;
  const char first = AsciiLower(value[i]);  // most links leave here
  if (first != 'j' && first != 'm' && first != 't' && first != 'd') {
    return false;
  }
  char scheme[12];
  std::size_t n = 0;
  for (; i < value.size() && n < sizeof(scheme); ++i) {
    const char c = value[i];
    if (c == '\t' || c == '\n' || c == '\r') continue;
    scheme[n++] = AsciiLower(c);
    if (c == ':') break;
  }
  if (n == 0 || scheme[n - 1] != ':') return false;
  const std::string_view prefix(scheme, n);
  for (std::string_view skipped : {"javascript:", "mailto:", "tel:", "data:"}) {
    if (prefix == skipped) return true;
  }
  return false;
}

bool IsPageRel(std::string_view rel) {
  bool page = false;
  while (!rel.empty()) {
    while (!rel.empty() && IsAsciiWhitespace(rel.front())) rel.remove_prefix(1);
    std::size_t end = 0;
    while (end < rel.size() && !IsAsciiWhitespace(rel[end])) ++end;
    const std::string_view keyword = rel.substr(0, end);
    rel.remove_prefix(end);
    if (EqualsIgnoreCase(keyword, "alternate") ||
        EqualsIgnoreCase(keyword, "next") ||
        EqualsIgnoreCase(keyword, "prev")) {
      page = true;
    } else if (EqualsIgnoreCase(keyword, "stylesheet") ||
               EqualsIgnoreCase(keyword, "icon")) {
      return false;
    }
  }
  return page;
}

std::optional<std::string_view> RefreshUrl(std::string_view s) {
  std::size_t i = 0;
  const auto skip_whitespace = [&s](std::size_t& pos) {
    while (pos < s.size() && IsAsciiWhitespace(s[pos])) ++pos;
  };
  const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  skip_whitespace(i);
  const std::size_t time_begin = i;
  while (i < s.size() && is_digit(s[i])) ++i;
  if (i == time_begin && (i == s.size() || s[i] != '.')) return std::nullopt;
  while (i < s.size() && (is_digit(s[i]) || s[i] == '.')) ++i;
  if (i == s.size()) return std::nullopt;
  if (s[i] != ';' && s[i] != ',' && !IsAsciiWhitespace(s[i])) {
    return std::nullopt;
  }
  skip_whitespace(i);
  if (i < s.size() && (s[i] == ';' || s[i] == ',')) ++i;
  skip_whitespace(i);
  if (i == s.size()) return std::nullopt;
  if (StartsWithIgnoreCase(s.substr(i), "url")) {
    std::size_t j = i + 3;
    skip_whitespace(j);
    if (j < s.size() && s[j] == '=') {
      ++j;
      skip_whitespace(j);
      i = j;
    }
  }
  char quote = 0;
  if (i < s.size() && (s[i] == '\'' || s[i] == '"')) quote = s[i++];
  std::string_view url = s.substr(i);
  if (quote != 0) url = url.substr(0, url.find(quote));
  return url;
}

}  // namespace crawl
