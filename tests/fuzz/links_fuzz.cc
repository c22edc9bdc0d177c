// libFuzzer target for ExtractLinks and LooksLikeHtml (src/html/links.h).
// Beyond "no crash, no sanitizer report", it checks the contract's
// invariants and traps when one fails:
//   - at most max_links hrefs; kept + dropped equals the unlimited count, and
//     the kept ones are the first of the unlimited list;
//   - no href is empty, starts or ends with ASCII whitespace, is not valid
//     UTF-8, or has a javascript:, mailto:, tel: or data: scheme;
//   - the base is valid UTF-8 and empty when there is none;
//   - parsing the same input twice gives the same result (parser reuse);
//   - LooksLikeHtml depends only on the first 512 bytes.
//
// Build and run by hand:
//   clang++-14 -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined
//     -Iinclude -Isrc src/html/links.cc src/html/tokenizer.cc
//     src/html/char_ref.cc tests/fuzz/links_fuzz.cc
//     -lmodest -lpthread -o links_fuzz && ./links_fuzz -max_total_time=60
// (or build it with tests/fuzz/CMakeLists.txt).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "html/links.h"

namespace {

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

bool IsAsciiWhitespace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

// Whether `s` is valid UTF-8 (no surrogates, nothing above U+10FFFF, shortest
// forms only).
bool IsValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  std::size_t i = 0;
  while (i < s.size()) {
    const unsigned char b = p[i];
    // Deliberately not src/util/utf8.h: an oracle must not share the code it
  // checks.
  std::size_t need = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xBF;
    if (b < 0x80) {
      ++i;
      continue;
    } else if (b >= 0xC2 && b <= 0xDF) {
      need = 1;
    } else if (b >= 0xE0 && b <= 0xEF) {
      need = 2;
      if (b == 0xE0) low = 0xA0;
      if (b == 0xED) high = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      need = 3;
      if (b == 0xF0) low = 0x90;
      if (b == 0xF4) high = 0x8F;
    } else {
      return false;
    }
    for (std::size_t k = 1; k <= need; ++k) {
      if (i + k >= s.size() || p[i + k] < low || p[i + k] > high) return false;
      low = 0x80;
      high = 0xBF;
    }
    i += need + 1;
  }
  return true;
}

// The scheme-looking start of `url` as a URL parser sees it: leading C0
// controls and spaces dropped, tabs and newlines removed, lower case.
std::string SchemePrefix(std::string_view url) {
  std::size_t i = 0;
  while (i < url.size() && static_cast<unsigned char>(url[i]) <= ' ') ++i;
  std::string prefix;
  for (; i < url.size() && prefix.size() < 16; ++i) {
    char c = url[i];
    if (c == '\t' || c == '\n' || c == '\r') continue;
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    prefix.push_back(c);
    if (c == ':') break;
  }
  return prefix;
}

void CheckHref(const std::string& href) {
  Check(!href.empty());
  Check(!IsAsciiWhitespace(href.front()) && !IsAsciiWhitespace(href.back()));
  Check(IsValidUtf8(href));
  const std::string scheme = SchemePrefix(href);
  Check(scheme != "javascript:" && scheme != "mailto:" && scheme != "tel:" &&
        scheme != "data:");
}

bool SameLinks(const crawl::HtmlLinks& a, const crawl::HtmlLinks& b) {
  return a.hrefs == b.hrefs && a.base_href == b.base_href &&
         a.has_base == b.has_base && a.dropped == b.dropped;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  const crawl::HtmlLinks all = crawl::ExtractLinks(input);
  Check(all.dropped == 0);
  for (const std::string& href : all.hrefs) CheckHref(href);
  Check(IsValidUtf8(all.base_href));
  Check(all.has_base || all.base_href.empty());
  if (all.has_base && !all.base_href.empty()) {
    Check(!IsAsciiWhitespace(all.base_href.front()) &&
          !IsAsciiWhitespace(all.base_href.back()));
  }
  Check(SameLinks(all, crawl::ExtractLinks(input)));

  // A small limit, chosen by the last byte so the HTML itself is unchanged.
  const std::size_t max_links = size == 0 ? 0 : data[size - 1] % 4;
  const crawl::HtmlLinks some = crawl::ExtractLinks(input, max_links);
  Check(some.hrefs.size() <= max_links);
  Check(some.hrefs.size() + some.dropped == all.hrefs.size());
  for (std::size_t i = 0; i < some.hrefs.size(); ++i) {
    Check(some.hrefs[i] == all.hrefs[i]);
  }
  Check(some.has_base == all.has_base && some.base_href == all.base_href);

  const bool html = crawl::LooksLikeHtml(input);
  if (size > 512) Check(html == crawl::LooksLikeHtml(input.substr(0, 512)));
  return 0;
}
