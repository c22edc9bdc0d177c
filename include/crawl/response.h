// crawl/response.h — one HTTP exchange as it happened: the request as sent,
// the response as received (status line, every header, the body as the
// server sent it and as decoded), where it came from and how long it took.
//
// The download returns a Response; link extraction, the summary record and
// every output (WARC, the mirror, a library user's callback) read it. A big
// body does not stay in memory: past Body's threshold its bytes go to an
// unlinked temporary file.
#ifndef CRAWL_RESPONSE_H_
#define CRAWL_RESPONSE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "crawl/status.h"

namespace crawl {

// Bytes kept in memory up to a threshold, then in an unlinked temporary file
// (O_TMPFILE in the spill directory): a 20 MB page costs a file, not 20 MB of
// RAM. Move-only. Not thread-safe; a finished Body may be read from several
// threads at once (view() excepted: it maps on first use).
class Body {
 public:
  // Default threshold and directory: 256 KiB, $TMPDIR or /tmp.
  static constexpr std::uint64_t kDefaultThreshold = 256 << 10;
  Body() = default;
  Body(std::uint64_t threshold, std::string spill_dir)
      : threshold_(threshold), spill_dir_(std::move(spill_dir)) {}
  ~Body();
  Body(Body&& other) noexcept;
  Body& operator=(Body&& other) noexcept;
  Body(const Body&) = delete;
  Body& operator=(const Body&) = delete;

  // Appends `bytes`; false if a spill write failed (error() says why; the
  // bytes are then not kept).
  bool Append(std::string_view bytes);
  std::uint64_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  bool spilled() const { return fd_ >= 0; }
  // The spill file's descriptor (-1 while in memory). Owned by the Body.
  int fd() const { return fd_; }
  const std::string& error() const { return error_; }

  // Calls `chunk` with the bytes in order, in pieces of at most 64 KiB for a
  // spilled body; stops early when it returns false. False if a read failed.
  bool ForEach(const std::function<bool(std::string_view)>& chunk) const;
  // All the bytes as one view: the memory itself, or the spill file mapped
  // read-only (kept until the Body goes). Empty if mapping failed.
  std::string_view view() const;
  // A copy (for small bodies and tests).
  std::string str() const { return std::string(view()); }

  // Makes the body empty (and in memory) again.
  void Clear();

 private:
  bool Spill();
  void Unmap() const;

  std::uint64_t threshold_ = kDefaultThreshold;
  std::string spill_dir_;
  std::string mem_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
  std::string error_;
  mutable const char* map_ = nullptr;
  mutable std::uint64_t map_size_ = 0;
};

// Why a fetch has no usable response. ErrorKindName() gives each a short
// stable word, the one the JSON Lines records and the summary use.
enum class ErrorKind : std::uint8_t {
  kNone,            // "": no error
  // From the HTTP layer (a Response):
  kTimeout,         // "timeout": sent, no whole answer in time
  kConnect,         // "connect": no connection (also a request that waited
                    // for one and was never sent)
  kDns,             // "dns": the host name did not resolve
  kTls,             // "tls": the TLS handshake or certificate failed
  kNetwork,         // "network": reset, closed, empty reply
  kTruncated,       // "truncated": cut off inside the headers, short of
                    // Content-Length or the last chunk, or an encoded body
                    // whose stream did not end
  kBadResponse,     // "bad_response": HTTP/0.9, a bad status line or code,
                    // a folded Location
  kHeaderTooLarge,  // "header_too_large"
  kDecoding,        // "decoding": a 2xx body its Content-Encoding cannot
                    // decode
  kPrivateAddress,  // "private_address": refused, a non-public address
  kCancelled,       // "cancelled": the crawl was stopped
  kUrl,             // "url": curl would not take the URL
  kIo,              // "io": a body's temporary file could not be written
  kCurl,            // "curl": any other libcurl failure
  // From the crawl:
  kRedirectLimit,   // "redirect_limit": a chain longer than max_redirects
  kRedirect,        // "redirect": a 3xx without a usable Location (outcome
                    // kHttpError)
  kRobots,          // "robots": why robots.txt keeps a URL out (outcome
                    // kRobots)
  kException,       // "exception": a Fetcher threw
  kCallback,        // "callback": a user's callback threw (crawl::Crawler)
  kInjected,        // "injected": a FakeFetcher's simulated failure
  kHttpStatus,      // "http_status": a response with a status >= 400 (only
                    // in what Crawler's OnError receives)
};

// The word for `kind` ("" for kNone).
const char* ErrorKindName(ErrorKind kind);
// The kind named `name`; kCurl for a name that is none of them.
ErrorKind ParseErrorKind(std::string_view name);
// Whether a fetch that failed so is worth trying again: a timeout, a
// connection or network error, a DNS failure, a cut-off response.
bool Retryable(ErrorKind kind);

struct HeaderField {
  std::string name;   // as received (HTTP/2: lower case)
  std::string value;  // leading and trailing white space removed
};

struct Response {
  // --- The request, as sent ---
  std::string url;             // the URL asked for (absolute, normalised)
  std::string method = "GET";
  // The request line and header lines exactly as curl sent them, ending in
  // an empty line (HTTP/2: written out in HTTP/1.1 form, as curl logs it).
  // Empty if no request was sent.
  std::string request_head;

  // --- The response, as received ---
  int status = 0;             // 0 if no response was received
  std::string http_version;   // "1.0", "1.1", "2", "3"; empty if none
  std::string status_line;    // the final response's, without CRLF
  // The final response's status line and header lines as received (after
  // any 1xx), each ending in CRLF, then the empty line.
  std::string raw_head;
  std::vector<HeaderField> headers;  // the same, parsed, in order
  std::string remote_ip;       // the peer address ("" if not connected)
  int remote_port = 0;
  // The body as the server sent it: transfer coding (chunked) removed,
  // content coding (gzip, br, ...) kept. Kept only when asked for
  // (HttpOptions::keep_raw_body).
  Body raw_body;
  std::uint64_t raw_bytes = 0;  // raw body bytes received (kept or not)
  // The body decoded (Content-Encoding undone), up to max_body_bytes; kept
  // when it is HTML or of no known type, when asked for, or when every body
  // is (HttpOptions::keep_all_bodies); else only its first bytes.
  Body body;
  std::uint64_t body_bytes = 0;  // decoded bytes received
  bool truncated = false;        // the decoded body hit max_body_bytes

  // --- The headers crawl reads itself (raw values) ---
  std::string content_type;
  std::string location;
  std::string retry_after;
  double retry_after_s = -1;  // in seconds (from seconds or HTTP-date)
  std::vector<std::string> x_robots_tag;

  // --- Timings (ms from the start of the transfer) ---
  std::chrono::system_clock::time_point started_at;
  double dns_ms = 0;
  double connect_ms = 0;
  double tls_ms = 0;     // the TLS handshake done (0 for http)
  double first_byte_ms = 0;
  double total_ms = 0;

  // kNone when a whole response arrived; else why not (see ErrorKind) and
  // a sentence.
  ErrorKind error_kind = ErrorKind::kNone;
  std::string error_message;

  // The first header named `name` (ASCII case-insensitive), or null.
  const std::string* Header(std::string_view name) const;
};

// Where an output kept a response; copied into the URL's record.
struct Kept {
  std::string warc_file;         // the WARC file its response record is in
  std::uint64_t warc_offset = 0;  // of that record's gzip member
  std::uint64_t warc_length = 0;  // the member's length
  std::string payload_digest;    // "sha1:BASE32"
  std::string saved_as;          // the mirror's file
};

// An output that keeps responses: WARC, the mirror. OnResponse is called
// once for every response received (any status, robots.txt and sitemaps
// too), after link extraction, from any thread and possibly from several at
// once; `links` are the page's outlinks (empty if none or not HTML). It
// fills in what it kept in `kept`. It must not throw. A failed write is
// remembered: failed() turns true, and status() says why; the crawl then
// stops.
class ResponseSink {
 public:
  virtual ~ResponseSink() = default;
  virtual void OnResponse(const Response& response,
                          const std::vector<std::string>& links,
                          bool is_html, Kept& kept) = 0;
  virtual bool failed() const = 0;
  virtual Status status() const = 0;
  // Finishes the output (writes what is pending); Status of the whole run.
  virtual Status Close() = 0;
  // For an exit that cannot wait for Close() (a second Ctrl-C): returns
  // once nothing is half-written, and nothing is written after it.
  virtual void Abandon() {}
};

}  // namespace crawl

#endif  // CRAWL_RESPONSE_H_
