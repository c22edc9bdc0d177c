// Gzip members for WARC files: one member per record, so that a reader can
// seek to a record's offset and inflate it alone.
//
// Two codecs: zlib (streaming; the only choice for a body spilled to disk)
// and libdeflate (whole buffers only). WarcWriter uses libdeflate for
// records held in memory and zlib to stream spilled bodies. bench/warc_bench
// on this project's 2-core VM, CPU us per exchange (request, response and
// metadata records) for 8 KB synthetic-site pages, and WARC/HTML bytes:
//   zlib 6: 515, 0.376   zlib 1: 301, 0.425
//   libdeflate 6: 319, 0.377   libdeflate 1: 154, 0.412   stored: 43
// libdeflate is 1.6-2x faster than zlib at the same level, for the same
// size; its level 1 is 3.3x faster than zlib 6 for 10% more bytes.
//
// Thread safety: a compressor is used by one thread at a time.
#ifndef CRAWL_OUTPUT_GZIP_MEMBER_H_
#define CRAWL_OUTPUT_GZIP_MEMBER_H_

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "crawl/options.h"

namespace crawl {


class GzipCompressor {
 public:
  // Null only if the codec could not allocate its state.
  static std::unique_ptr<GzipCompressor> Create(GzipCodec codec, int level);
  virtual ~GzipCompressor() = default;

  // Appends to `out` one gzip member holding the concatenation of `pieces`.
  // False if the codec failed (out of memory); `out` is then as it was.
  virtual bool AppendMember(std::span<const std::string_view> pieces,
                            std::string& out) = 0;
};

// Appends to `out` one gzip member holding the concatenation of `pieces` in
// stored (uncompressed) deflate blocks: for a payload that is compressed
// already (a gzip, br or zstd body, an image), where deflating again costs
// a compressor's time for a gain of a few bytes.
void AppendStoredMember(std::span<const std::string_view> pieces,
                        std::string& out);

// One gzip member written piece by piece (zlib), its compressed bytes handed
// to `sink` in pieces of up to 64 KiB: memory stays bounded whatever the size.
class GzipStream {
 public:
  using Sink = std::function<bool(std::string_view)>;
  GzipStream(int level, Sink sink);
  ~GzipStream();
  GzipStream(const GzipStream&) = delete;
  GzipStream& operator=(const GzipStream&) = delete;

  // False if zlib failed or the sink returned false (then stop).
  bool Write(std::string_view bytes);
  // Ends the member.
  bool Finish();

 private:
  bool Run(std::string_view bytes, int flush);

  struct State;
  std::unique_ptr<State> state_;
  Sink sink_;
};

}  // namespace crawl

#endif  // CRAWL_OUTPUT_GZIP_MEMBER_H_
