// Attribute-value decoding (char_ref.h), following the WHATWG tokenizer's
// character reference states for a return state that is an attribute value.
#include "html/char_ref.h"

#include <myhtml/charef.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "util/utf8.h"

namespace crawl {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

// What numeric references to 0x80-0x9F mean (windows-1252); the five
// values windows-1252 leaves undefined stay as they are.
constexpr std::array<char16_t, 32> kC1Replacements = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

constexpr bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

constexpr bool IsAsciiAlphanumeric(char c) {
  return IsAsciiDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// The value of the digit `c` in base 16 (if `hex`) or 10, or -1.
constexpr int DigitValue(char c, bool hex) {
  if (IsAsciiDigit(c)) return c - '0';
  if (!hex) return -1;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendCodePoint(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// The numeric character reference end state: what the number `value`
// (saturated at 0x110000) stands for.
char32_t NumericReferenceCodePoint(std::uint32_t value) {
  if (value == 0 || value > 0x10FFFF) return kReplacement;
  if (value >= 0xD800 && value <= 0xDFFF) return kReplacement;
  if (value >= 0x80 && value <= 0x9F) return kC1Replacements[value - 0x80];
  return value;
}

// A reference starting with "&#" at raw[amp]: appends what it stands for
// and returns the offset after it.
std::size_t AppendNumericReference(std::string_view raw, std::size_t amp,
                                   std::string& out) {
  std::size_t i = amp + 2;
  const bool hex = i < raw.size() && (raw[i] == 'x' || raw[i] == 'X');
  if (hex) ++i;
  const std::size_t digits_begin = i;
  std::uint32_t value = 0;
  for (; i < raw.size(); ++i) {
    const int digit = DigitValue(raw[i], hex);
    if (digit < 0) break;
    value = std::min<std::uint32_t>(value * (hex ? 16 : 10) + digit, 0x110000);
  }
  if (i == digits_begin) {  // absence of digits: "&#" or "&#x" as written
    out.append(raw.substr(amp, i - amp));
    return i;
  }
  if (i < raw.size() && raw[i] == ';') ++i;
  AppendCodePoint(NumericReferenceCodePoint(value), out);
  return i;
}

// myhtml's table of named character references (every name of the HTML5
// table, with and without ';' as listed there) is a trie in one array:
// entry b (0-255) is the node for the one-byte prefix b (its ch is b, or 0
// if no name starts with b); the children of a node are the entries from
// index `next` on (none if next is 0), sorted by ch and ended by an entry
// whose ch is 0; a node that completes a name has its code points.
struct NamedMatch {
  std::size_t length = 0;  // of the name, in bytes; 0: no match
  const charef_entry_t* entry = nullptr;
};

// The longest name in the table that prefixes `s` (the bytes after '&').
NamedMatch LongestNamedReference(std::string_view s) {
  NamedMatch best;
  if (s.empty() || !IsAsciiAlphanumeric(s[0])) return best;
  const charef_entry_t* const table = myhtml_charef_get_first_position('\0');
  const charef_entry_t* node = myhtml_charef_get_first_position(s[0]);
  if (node->ch != static_cast<unsigned char>(s[0])) return best;
  for (std::size_t length = 1;; ++length) {
    if (node->codepoints_len > 0) best = {length, node};
    if (length == s.size() || node->next == 0) break;
    const auto c = static_cast<unsigned char>(s[length]);
    if (c == 0) break;
    const charef_entry_t* child = table + node->next;
    while (child->ch != 0 && child->ch < c) ++child;
    if (child->ch != c) break;
    node = child;
  }
  return best;
}

// A reference starting with '&' followed by an ASCII alphanumeric at
// raw[amp]: appends what it stands for and returns the offset after it.
std::size_t AppendNamedReference(std::string_view raw, std::size_t amp,
                                 std::string& out) {
  const NamedMatch match = LongestNamedReference(raw.substr(amp + 1));
  if (match.length == 0) {
    out.push_back('&');
    return amp + 1;
  }
  const std::size_t end = amp + 1 + match.length;
  if (raw[end - 1] != ';' && end < raw.size() &&
      (raw[end] == '=' || IsAsciiAlphanumeric(raw[end]))) {
    out.append(raw.substr(amp, end - amp));  // in an attribute: as written
    return end;
  }
  const std::size_t count = std::min<std::size_t>(
      match.entry->codepoints_len, std::size(match.entry->codepoints));
  for (std::size_t k = 0; k < count; ++k) {
    const std::size_t cp = match.entry->codepoints[k];
    AppendCodePoint(cp <= 0x10FFFF ? static_cast<char32_t>(cp) : kReplacement,
                    out);
  }
  return end;
}

// The character reference state at raw[amp] == '&'.
std::size_t AppendCharacterReference(std::string_view raw, std::size_t amp,
                                     std::string& out) {
  // The usual one in URLs, first. No name is longer than "amp;" and starts
  // with it (a name with ';' ends there), so this is what the table says.
  if (raw.substr(amp, 5) == "&amp;") {
    out.push_back('&');
    return amp + 5;
  }
  const std::size_t next = amp + 1;
  if (next < raw.size() && raw[next] == '#') {
    return AppendNumericReference(raw, amp, out);
  }
  if (next < raw.size() && IsAsciiAlphanumeric(raw[next])) {
    return AppendNamedReference(raw, amp, out);
  }
  out.push_back('&');
  return next;
}

constexpr bool IsSpecial(char c) { return c == '&' || c == '\0' || c == '\r'; }

}  // namespace

bool NeedsAttributeDecoding(std::string_view raw) {
  std::size_t i = 0;
#if defined(__SSE2__)
  const __m128i amp = _mm_set1_epi8('&');
  const __m128i nul = _mm_setzero_si128();
  const __m128i cr = _mm_set1_epi8('\r');
  for (; raw.size() - i >= 16; i += 16) {
    const __m128i chunk =
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(raw.data() + i));
    const __m128i special = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(chunk, amp), _mm_cmpeq_epi8(chunk, nul)),
        _mm_cmpeq_epi8(chunk, cr));
    if (_mm_movemask_epi8(special) != 0) return true;
  }
#endif
  for (; i < raw.size(); ++i) {
    if (IsSpecial(raw[i])) return true;
  }
  return false;
}

void AppendDecodedAttributeValue(std::string_view raw, std::string& out) {
  std::size_t i = 0;
  while (i < raw.size()) {
    std::size_t j = i;
    while (j < raw.size() && !IsSpecial(raw[j])) ++j;
    out.append(raw.substr(i, j - i));
    if (j == raw.size()) break;
    if (raw[j] == '\r') {
      out.push_back('\n');
      j += (j + 1 < raw.size() && raw[j + 1] == '\n') ? 2 : 1;
    } else if (raw[j] == '\0') {
      out.append(kReplacementChar);
      ++j;
    } else {
      j = AppendCharacterReference(raw, j, out);
    }
    i = j;
  }
}

}  // namespace crawl
