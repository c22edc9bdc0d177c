// The head of an HTTP/1.x request (request line and header fields), as the
// site server reads it: only what it needs to answer and to frame the next
// request. Lines end in CRLF or a bare LF (RFC 9112 section 2.2 allows
// accepting LF).
//
// Thread safety: pure functions.
#ifndef CRAWL_BENCHSITE_REQUEST_PARSER_H_
#define CRAWL_BENCHSITE_REQUEST_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace crawl {

struct RequestHead {
  std::string_view method;  // as sent, e.g. "GET"
  std::string_view target;  // as sent, e.g. "/p/7.html"
  int minor_version = 1;    // HTTP/1.<minor_version>
  // Whether the connection stays open after the response: HTTP/1.1 unless
  // "Connection: close"; HTTP/1.0 only with "Connection: keep-alive".
  bool keep_alive = true;
  std::uint64_t content_length = 0;  // body bytes that follow the head
};

// The length of the request head at the start of `data` up to and including
// the empty line that ends it, or std::string_view::npos if `data` does not
// hold all of it yet. `from` may skip bytes an earlier call on a prefix of
// `data` has already searched: pass that prefix's size minus 2 (or 0).
std::size_t FindRequestHeadEnd(std::string_view data, std::size_t from = 0);

// Parses a complete head (FindRequestHeadEnd's prefix of the input). False if
// it is malformed, or not framed in a way this server can follow
// (Transfer-Encoding, conflicting Content-Length). `out`'s views point into
// `head`.
bool ParseRequestHead(std::string_view head, RequestHead* out);

}  // namespace crawl

#endif  // CRAWL_BENCHSITE_REQUEST_PARSER_H_
