#include "output/gzip_member.h"

#include <libdeflate.h>
#include <zlib.h>

#include <algorithm>
#include <climits>

namespace crawl {
namespace {

// windowBits 15 + 16: a gzip header and trailer around raw deflate.
constexpr int kGzipWindowBits = 15 + 16;
constexpr std::size_t kStreamChunk = 64 << 10;

// zlib takes levels 0..9, libdeflate 0..12: out-of-range ones are clamped.
int ZlibLevel(int level) { return std::clamp(level, 0, 9); }

// One z_stream per window size, 512 B to 32 KiB, each used for inputs that
// fit its window: a match can reach no farther back than the input is long,
// so the small window loses nothing, and deflateReset clears a hash table
// sized to it (for a 500-byte request record 1 KB instead of 64 KB, which
// made the reset cost more than the compression: ~13 us of 15).
class ZlibCompressor final : public GzipCompressor {
 public:
  explicit ZlibCompressor(int level) : level_(ZlibLevel(level)) {}
  ~ZlibCompressor() override {
    for (Stream& s : streams_) {
      if (s.ready) deflateEnd(&s.z);
    }
  }

  // Feeds the pieces one after another: no copy into one buffer.
  bool AppendMember(std::span<const std::string_view> pieces,
                    std::string& out) override {
    std::size_t total = 0;
    for (std::string_view p : pieces) total += p.size();
    z_stream* z = StreamFor(total);
    if (z == nullptr) return false;
    const std::size_t start = out.size();
    out.resize(start + deflateBound(z, total));
    std::size_t used = start;
    for (std::size_t i = 0; i <= pieces.size(); ++i) {
      const bool last = i == pieces.size();
      const std::string_view in = last ? std::string_view() : pieces[i];
      z->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
      z->avail_in = static_cast<uInt>(in.size());
      while (true) {
        if (used == out.size()) out.resize(out.size() * 2);
        z->next_out = reinterpret_cast<Bytef*>(out.data() + used);
        z->avail_out = static_cast<uInt>(
            std::min<std::size_t>(out.size() - used, UINT_MAX));
        const uInt before = z->avail_out;
        const int rc = deflate(z, last ? Z_FINISH : Z_NO_FLUSH);
        used += before - z->avail_out;
        if (rc == Z_STREAM_ERROR) {
          out.resize(start);
          return false;
        }
        if (last ? rc == Z_STREAM_END : z->avail_in == 0) break;
      }
    }
    out.resize(used);
    return true;
  }

 private:
  static constexpr int kMinBits = 9, kMaxBits = 15;
  struct Stream {
    z_stream z{};
    bool ready = false;
  };

  // The reset stream whose window covers `size` bytes (32 KiB at most).
  z_stream* StreamFor(std::size_t size) {
    int bits = kMinBits;
    while (bits < kMaxBits && (std::size_t{1} << bits) < size) ++bits;
    Stream& s = streams_[bits - kMinBits];
    if (!s.ready) {
      // zlib's default memLevel 8 pairs a 2^15 hash with a 2^15 window.
      const int mem_level = std::max(1, bits - 7);
      if (deflateInit2(&s.z, level_, Z_DEFLATED, bits + 16, mem_level,
                       Z_DEFAULT_STRATEGY) != Z_OK) {
        return nullptr;
      }
      s.ready = true;
    } else if (deflateReset(&s.z) != Z_OK) {
      return nullptr;
    }
    return &s.z;
  }

  const int level_;
  Stream streams_[kMaxBits - kMinBits + 1];
};

class LibdeflateCompressor final : public GzipCompressor {
 public:
  explicit LibdeflateCompressor(int level)
      : c_(libdeflate_alloc_compressor(std::clamp(level, 0, 12))) {}
  ~LibdeflateCompressor() override {
    if (c_ != nullptr) libdeflate_free_compressor(c_);
  }
  bool ok() const { return c_ != nullptr; }

  // libdeflate wants one input buffer: the pieces are copied into a scratch
  // buffer kept from record to record (one memcpy of a few KB, much cheaper
  // than the compression it enables).
  bool AppendMember(std::span<const std::string_view> pieces,
                    std::string& out) override {
    std::string_view in;
    if (pieces.size() == 1) {
      in = pieces[0];
    } else {
      scratch_.clear();
      for (std::string_view p : pieces) scratch_.append(p);
      in = scratch_;
    }
    const std::size_t start = out.size();
    out.resize(start + libdeflate_gzip_compress_bound(c_, in.size()));
    const std::size_t n = libdeflate_gzip_compress(
        c_, in.data(), in.size(), out.data() + start, out.size() - start);
    out.resize(start + n);
    return n > 0;
  }

 private:
  libdeflate_compressor* c_;
  std::string scratch_;
};

}  // namespace

std::unique_ptr<GzipCompressor> GzipCompressor::Create(GzipCodec codec,
                                                       int level) {
  if (codec == GzipCodec::kLibdeflate) {
    auto c = std::make_unique<LibdeflateCompressor>(level);
    if (c->ok()) return c;
    return nullptr;
  }
  return std::make_unique<ZlibCompressor>(level);
}

void AppendStoredMember(std::span<const std::string_view> pieces,
                        std::string& out) {
  static constexpr unsigned char kHeader[10] = {0x1f, 0x8b, 8, 0, 0, 0,
                                                0,    0,    0, 0xff};
  out.append(reinterpret_cast<const char*>(kHeader), sizeof kHeader);
  std::uint64_t total = 0;
  for (std::string_view p : pieces) total += p.size();
  uLong crc = crc32(0L, Z_NULL, 0);
  std::uint64_t left = total;
  std::size_t piece = 0, at = 0;
  // Stored blocks of at most 65,535 bytes (RFC 1951 3.2.4); the last one
  // says so. An empty member is one empty final block.
  do {
    const std::uint16_t len =
        static_cast<std::uint16_t>(std::min<std::uint64_t>(left, 65535));
    left -= len;
    out.push_back(left == 0 ? '\x01' : '\x00');
    const std::uint16_t nlen = static_cast<std::uint16_t>(~len);
    out.push_back(static_cast<char>(len & 0xff));
    out.push_back(static_cast<char>(len >> 8));
    out.push_back(static_cast<char>(nlen & 0xff));
    out.push_back(static_cast<char>(nlen >> 8));
    std::size_t need = len;
    while (need > 0) {
      const std::string_view p = pieces[piece];
      const std::size_t take = std::min(need, p.size() - at);
      out.append(p.data() + at, take);
      crc = crc32(crc, reinterpret_cast<const Bytef*>(p.data() + at),
                  static_cast<uInt>(take));
      need -= take;
      at += take;
      if (at == p.size()) {
        ++piece;
        at = 0;
      }
    }
    while (piece < pieces.size() && pieces[piece].size() == at) {
      ++piece;  // skip empty pieces
      at = 0;
    }
  } while (left > 0);
  const std::uint32_t trailer[2] = {static_cast<std::uint32_t>(crc),
                                    static_cast<std::uint32_t>(total)};
  for (std::uint32_t v : trailer) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
}

struct GzipStream::State {
  z_stream z{};
  bool ok = false;
  std::string out;
};

GzipStream::GzipStream(int level, Sink sink)
    : state_(std::make_unique<State>()), sink_(std::move(sink)) {
  state_->ok = deflateInit2(&state_->z, ZlibLevel(level), Z_DEFLATED,
                            kGzipWindowBits, 8, Z_DEFAULT_STRATEGY) == Z_OK;
  state_->out.resize(kStreamChunk);
}

GzipStream::~GzipStream() {
  if (state_->ok) deflateEnd(&state_->z);
}

bool GzipStream::Run(std::string_view bytes, int flush) {
  if (!state_->ok) return false;
  z_stream& z = state_->z;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z.avail_in = static_cast<uInt>(bytes.size());
  while (true) {
    z.next_out = reinterpret_cast<Bytef*>(state_->out.data());
    z.avail_out = static_cast<uInt>(state_->out.size());
    const int rc = deflate(&z, flush);
    if (rc == Z_STREAM_ERROR) return false;
    const std::size_t n = state_->out.size() - z.avail_out;
    if (n > 0 && !sink_(std::string_view(state_->out.data(), n))) return false;
    if (flush == Z_FINISH ? rc == Z_STREAM_END
                          : z.avail_in == 0 && z.avail_out > 0) {
      return true;
    }
  }
}

bool GzipStream::Write(std::string_view bytes) {
  // Body::ForEach hands at most 64 KiB at a time; uInt holds any piece.
  return bytes.empty() || Run(bytes, Z_NO_FLUSH);
}

bool GzipStream::Finish() { return Run({}, Z_FINISH); }

}  // namespace crawl
