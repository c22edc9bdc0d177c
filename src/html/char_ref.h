// Attribute values as HTML5's tokenizer builds them from their raw bytes:
// newlines normalized, NUL replaced, character references decoded.
//
// Named references are looked up in myhtml's copy of the HTML5 table (the
// only use of myhtml in src/html); the decoding rules are our own:
//   - named: the longest name in the table that prefixes the text after '&'
//     (with or without ';', as the table lists it). If it does not end with
//     ';' and the next byte is '=' or an ASCII alphanumeric, it is left as
//     written (the "in an attribute" rule, so "?a=1&copy=2" survives); else
//     it is decoded. No match: '&' stays as written.
//   - numeric: "&#" digits or "&#x"/"&#X" hex digits, ';' optional. 0,
//     surrogates and values above 0x10FFFF become U+FFFD; 0x80-0x9F map
//     through the windows-1252 table; anything else is kept. Without digits,
//     "&#" / "&#x" stay as written.
//   - CR LF and a lone CR become LF (input stream preprocessing); NUL
//     becomes U+FFFD.
// Bytes that are not UTF-8 are copied unchanged (sanitize the result as
// needed); what is decoded is always valid UTF-8.
#ifndef CRAWL_HTML_CHAR_REF_H_
#define CRAWL_HTML_CHAR_REF_H_

#include <string>
#include <string_view>

namespace crawl {

// Whether `raw` differs from its decoded form only if it has '&', NUL or CR.
// False means AppendDecodedAttributeValue would append `raw` unchanged.
bool NeedsAttributeDecoding(std::string_view raw);

// Appends the value of an attribute written as `raw` (between its quotes, or
// unquoted) to `out`, decoded as above.
void AppendDecodedAttributeValue(std::string_view raw, std::string& out);

}  // namespace crawl

#endif  // CRAWL_HTML_CHAR_REF_H_
