// ContentDecoder: undoes a response's Content-Encoding (RFC 9110 8.4) as the
// body streams in — gzip and x-gzip, deflate (zlib-wrapped, or raw as some
// servers send it), br, zstd, identity — layered in the order the header
// lists them. The only code that includes zlib's inflate, brotli and zstd.
//
// crawl decodes bodies itself (libcurl's decoding is off) so that what the
// server sent and what was decoded are both known, and so that an encoded
// stream that stops early is told apart from one that ended: libcurl takes a
// gzip stream cut before its trailer as complete.
//
// Thread safety: none; one decoder per response.
#ifndef CRAWL_FETCH_DECODER_H_
#define CRAWL_FETCH_DECODER_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace crawl {

class ContentDecoder {
 public:
  // Receives decoded bytes; returns false to stop decoding (the body cap).
  using Sink = std::function<bool(std::string_view)>;

  // A decoder for a Content-Encoding header value ("gzip", "br, gzip", ...;
  // empty or "identity": bytes pass through). Codings crawl does not know
  // are passed through as they are, as libcurl would. At most kMaxLayers
  // codings are undone; more is an error at the first Write().
  explicit ContentDecoder(std::string_view content_encoding);
  ~ContentDecoder();
  ContentDecoder(const ContentDecoder&) = delete;
  ContentDecoder& operator=(const ContentDecoder&) = delete;

  static constexpr std::size_t kMaxLayers = 5;

  // Whether anything is decoded at all (false: identity).
  bool active() const { return !layers_.empty(); }

  // Decodes `raw` (the next bytes of the body as sent) into `sink`. Returns
  // false on an encoding error (error() says what) or when `sink` returned
  // false (stopped() is then true).
  bool Write(std::string_view raw, const Sink& sink);

  // At the end of the body: false if an encoded stream had not ended
  // (error() says so) — a truncated gzip, brotli or zstd stream, or one
  // with a header and no data.
  bool Finish();

  const std::string& error() const { return error_; }
  bool stopped() const { return stopped_; }

  class Layer;  // one coding; defined in decoder.cc

 private:
  bool Push(std::size_t layer, std::string_view in, const Sink& sink);

  std::vector<std::unique_ptr<Layer>> layers_;  // [0] undoes the outermost
  std::string error_;
  bool stopped_ = false;
};

}  // namespace crawl

#endif  // CRAWL_FETCH_DECODER_H_
