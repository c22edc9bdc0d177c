// Page encodings, for link extraction: which encoding a page is in (WHATWG
// HTML's encoding sniffing), and conversion between it and UTF-8 (glibc's
// iconv). See https://encoding.spec.whatwg.org/ and
// https://html.spec.whatwg.org/#determining-the-character-encoding.
//
// A page's encoding comes from, in order: its byte order mark; the charset
// parameter of its Content-Type; a <meta charset> or <meta http-equiv=
// content-type content="...charset=..."> in its first 1024 bytes; then, as
// the standard lets a user agent analyse the bytes, UTF-8 if the whole body
// is valid UTF-8, else windows-1252. Labels are WHATWG's ("latin1" and
// "iso-8859-1" are windows-1252, "sjis" is Shift_JIS, ...); a label WHATWG
// does not know is ignored.
//
// Thread safety: pure functions, and Transcoder objects are used by one
// thread at a time.
#ifndef CRAWL_HTML_ENCODING_H_
#define CRAWL_HTML_ENCODING_H_

#include <memory>
#include <string>
#include <string_view>

namespace crawl {

// An encoding crawl can decode: its WHATWG name ("UTF-8", "windows-1252",
// "Shift_JIS", ...) and whether ASCII bytes always mean ASCII in it (so a
// page's markup can be tokenized before it is decoded: false for UTF-16).
struct Encoding {
  const char* name = "UTF-8";
  const char* iconv_name = "UTF-8";
  bool ascii_compatible = true;
  bool utf8() const { return name[0] == 'U' && name[4] == '8'; }
};

// The encoding a label names (ASCII case-insensitive, whitespace trimmed),
// or nullptr if WHATWG knows no such label or crawl cannot decode it.
const Encoding* EncodingForLabel(std::string_view label);

// The page's encoding, by the rules above.
// `truncated`: the body was cut at the size cap, so a UTF-8 sequence cut
// short at its very end does not make it invalid.
const Encoding& SniffEncoding(std::string_view content_type,
                              std::string_view body, bool truncated = false);

// Converts between UTF-8 and one encoding.
class Transcoder {
 public:
  explicit Transcoder(const Encoding& encoding);
  ~Transcoder();
  Transcoder(const Transcoder&) = delete;
  Transcoder& operator=(const Transcoder&) = delete;

  // Appends `in` (in the encoding) to `out` as UTF-8; a byte sequence the
  // encoding does not define becomes U+FFFD.
  void ToUtf8(std::string_view in, std::string& out);
  // Appends `utf8` to `out` in the encoding; a character the encoding
  // cannot represent becomes "&#N;" (its code point in decimal), as the URL
  // Standard encodes a query; ill-formed UTF-8 becomes "&#65533;".
  void FromUtf8(std::string_view utf8, std::string& out);

 private:
  struct State;
  const Encoding& encoding_;
  std::unique_ptr<State> state_;
};

}  // namespace crawl

#endif  // CRAWL_HTML_ENCODING_H_
