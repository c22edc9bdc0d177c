#include "fetch/decoder.h"

#include <brotli/decode.h>
#include <zlib.h>
#include <zstd.h>

#include <array>
#include <cstring>

#include "util/ascii.h"

namespace crawl {
namespace {

constexpr std::size_t kChunk = 16 << 10;

// RFC 8878 9.1 / RFC 9659: HTTP's zstd decoders need at most an 8 MB window;
// a frame that asks for more is refused rather than given the memory.
constexpr int kZstdWindowLogMax = 23;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

class ContentDecoder::Layer {
 public:
  virtual ~Layer() = default;
  // Decodes `in` into `out`; false on a coding error (`error` set) or when
  // `out` returned false (`*stopped` set).
  virtual bool Decode(std::string_view in, const Sink& out, std::string* error,
                      bool* stopped) = 0;
  // Whether the stream has reached its end marker.
  virtual bool Ended() const = 0;
  virtual const char* name() const = 0;
};

namespace {

using Layer = ContentDecoder::Layer;
using Sink = ContentDecoder::Sink;

// gzip (possibly several members, as RFC 1952 allows) and deflate (zlib's
// format, or raw deflate as some servers send it: told apart by the first
// two bytes, as browsers do).
class ZlibLayer final : public Layer {
 public:
  explicit ZlibLayer(bool gzip) : gzip_(gzip) {}
  ~ZlibLayer() override {
    if (init_) inflateEnd(&z_);
  }

  bool Decode(std::string_view in, const Sink& out, std::string* error,
              bool* stopped) override {
    if (init_) return Run(in, out, error, stopped);
    int bits = 15 + 16;  // gzip only
    if (!gzip_) {
      // deflate: zlib's format or raw, told apart by the first two bytes;
      // hold bytes back until there are two.
      pending_.append(in);
      if (pending_.size() < 2) return true;
      const auto b0 = static_cast<unsigned char>(pending_[0]);
      const auto b1 = static_cast<unsigned char>(pending_[1]);
      const bool zlib = (b0 & 0x0f) == 8 && ((b0 << 8) | b1) % 31 == 0;
      bits = zlib ? 15 : -15;
    }
    std::memset(&z_, 0, sizeof z_);
    if (inflateInit2(&z_, bits) != Z_OK) {
      *error = "cannot start the zlib decoder";
      return false;
    }
    init_ = true;
    if (gzip_) return Run(in, out, error, stopped);
    const std::string held = std::move(pending_);
    pending_.clear();
    return Run(held, out, error, stopped);
  }

  bool Ended() const override { return ended_; }
  const char* name() const override { return gzip_ ? "gzip" : "deflate"; }

 private:
  bool Run(std::string_view in, const Sink& out, std::string* error,
           bool* stopped) {
    std::array<char, kChunk> buf;
    while (!in.empty()) {
      if (ended_) {
        // After the end: another gzip member, or trailing bytes that
        // browsers ignore (and so do we).
        if (!gzip_ || static_cast<unsigned char>(in[0]) != 0x1f) return true;
        if (inflateReset(&z_) != Z_OK) {
          *error = "cannot restart the gzip decoder";
          return false;
        }
        ended_ = false;
      }
      z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
      z_.avail_in = static_cast<uInt>(std::min<std::size_t>(in.size(), UINT32_MAX));
      const std::size_t offered = z_.avail_in;
      int rc = Z_OK;
      do {
        z_.next_out = reinterpret_cast<Bytef*>(buf.data());
        z_.avail_out = static_cast<uInt>(buf.size());
        rc = inflate(&z_, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
          *error = std::string(name()) + " data is corrupt" +
                   (z_.msg ? std::string(": ") + z_.msg : std::string());
          return false;
        }
        const std::size_t n = buf.size() - z_.avail_out;
        if (n > 0 && !out(std::string_view(buf.data(), n))) {
          *stopped = true;
          return false;
        }
        if (rc == Z_STREAM_END) {
          ended_ = true;
          break;
        }
      } while (z_.avail_out == 0 || (z_.avail_in > 0 && rc != Z_BUF_ERROR));
      in.remove_prefix(offered - z_.avail_in);
      if (!ended_ && z_.avail_in > 0) {
        *error = std::string(name()) + " decoder made no progress";
        return false;
      }
    }
    return true;
  }

  const bool gzip_;
  bool init_ = false;
  bool ended_ = false;
  std::string pending_;  // deflate: the first byte, until the second comes
  z_stream z_{};
};

class BrotliLayer final : public Layer {
 public:
  BrotliLayer() : state_(BrotliDecoderCreateInstance(nullptr, nullptr, nullptr)) {}
  ~BrotliLayer() override {
    if (state_) BrotliDecoderDestroyInstance(state_);
  }

  bool Decode(std::string_view in, const Sink& out, std::string* error,
              bool* stopped) override {
    if (state_ == nullptr) {
      *error = "cannot start the brotli decoder";
      return false;
    }
    if (ended_) return true;  // trailing bytes: ignored
    const auto* next_in = reinterpret_cast<const uint8_t*>(in.data());
    std::size_t avail_in = in.size();
    std::array<uint8_t, kChunk> buf;
    for (;;) {
      uint8_t* next_out = buf.data();
      std::size_t avail_out = buf.size();
      const BrotliDecoderResult rc = BrotliDecoderDecompressStream(
          state_, &avail_in, &next_in, &avail_out, &next_out, nullptr);
      const std::size_t n = buf.size() - avail_out;
      if (n > 0 && !out(std::string_view(reinterpret_cast<char*>(buf.data()), n))) {
        *stopped = true;
        return false;
      }
      switch (rc) {
        case BROTLI_DECODER_RESULT_SUCCESS:
          ended_ = true;
          return true;
        case BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT:
          return true;
        case BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT:
          continue;
        case BROTLI_DECODER_RESULT_ERROR:
          *error = std::string("br data is corrupt: ") +
                   BrotliDecoderErrorString(BrotliDecoderGetErrorCode(state_));
          return false;
      }
    }
  }

  bool Ended() const override { return ended_; }
  const char* name() const override { return "br"; }

 private:
  BrotliDecoderState* state_;
  bool ended_ = false;
};

class ZstdLayer final : public Layer {
 public:
  ZstdLayer() : stream_(ZSTD_createDStream()) {
    if (stream_) {
      ZSTD_DCtx_setParameter(stream_, ZSTD_d_windowLogMax, kZstdWindowLogMax);
    }
  }
  ~ZstdLayer() override {
    if (stream_) ZSTD_freeDStream(stream_);
  }

  bool Decode(std::string_view in, const Sink& out, std::string* error,
              bool* stopped) override {
    if (stream_ == nullptr) {
      *error = "cannot start the zstd decoder";
      return false;
    }
    ZSTD_inBuffer input{in.data(), in.size(), 0};
    std::array<char, kChunk> buf;
    while (input.pos < input.size || flushing_) {
      ZSTD_outBuffer output{buf.data(), buf.size(), 0};
      const std::size_t rc = ZSTD_decompressStream(stream_, &output, &input);
      if (ZSTD_isError(rc)) {
        *error = std::string("zstd data is corrupt: ") + ZSTD_getErrorName(rc);
        return false;
      }
      if (output.pos > 0 &&
          !out(std::string_view(buf.data(), output.pos))) {
        *stopped = true;
        return false;
      }
      // 0: a frame ended (another may follow); output full: more to flush.
      ended_ = rc == 0;
      flushing_ = output.pos == output.size;
      if (!flushing_ && input.pos == input.size) break;
    }
    return true;
  }

  bool Ended() const override { return ended_; }
  const char* name() const override { return "zstd"; }

 private:
  ZSTD_DStream* stream_;
  bool ended_ = false;
  bool flushing_ = false;
};

}  // namespace

ContentDecoder::ContentDecoder(std::string_view content_encoding) {
  // "a, b" was encoded with a, then b: undo b first.
  std::vector<std::string_view> codings;
  while (!content_encoding.empty()) {
    const std::size_t comma = content_encoding.find(',');
    const std::string_view c = Trim(content_encoding.substr(0, comma));
    if (!c.empty()) codings.push_back(c);
    if (comma == std::string_view::npos) break;
    content_encoding.remove_prefix(comma + 1);
  }
  // Counted before any decoder is built: a header listing thousands of
  // codings must not cost thousands of decoders.
  if (codings.size() > kMaxLayers) {
    error_ = "more than " + std::to_string(kMaxLayers) + " content codings";
    return;
  }
  for (auto it = codings.rbegin(); it != codings.rend(); ++it) {
    const std::string_view c = *it;
    if (EqualsIgnoreCase(c, "gzip") || EqualsIgnoreCase(c, "x-gzip")) {
      layers_.push_back(std::make_unique<ZlibLayer>(/*gzip=*/true));
    } else if (EqualsIgnoreCase(c, "deflate")) {
      layers_.push_back(std::make_unique<ZlibLayer>(/*gzip=*/false));
    } else if (EqualsIgnoreCase(c, "br")) {
      layers_.push_back(std::make_unique<BrotliLayer>());
    } else if (EqualsIgnoreCase(c, "zstd")) {
      layers_.push_back(std::make_unique<ZstdLayer>());
    }
    // identity, and codings we do not know: the bytes pass as they are.
  }
  if (layers_.size() > kMaxLayers) {
    error_ = "more than " + std::to_string(kMaxLayers) + " content codings";
  }
}

ContentDecoder::~ContentDecoder() = default;

bool ContentDecoder::Push(std::size_t layer, std::string_view in,
                          const Sink& sink) {
  if (layer == layers_.size()) {
    if (!sink(in)) {
      stopped_ = true;
      return false;
    }
    return true;
  }
  Layer& l = *layers_[layer];
  const Sink next = [&](std::string_view bytes) {
    return Push(layer + 1, bytes, sink);
  };
  bool stopped = false;
  const bool ok = l.Decode(in, next, &error_, &stopped);
  if (stopped) stopped_ = true;
  return ok;
}

bool ContentDecoder::Write(std::string_view raw, const Sink& sink) {
  if (!error_.empty()) return false;
  if (raw.empty()) return true;
  return Push(0, raw, sink);
}

bool ContentDecoder::Finish() {
  if (!error_.empty()) return false;
  for (const auto& l : layers_) {
    if (!l->Ended()) {
      error_ = std::string(l->name()) +
               " stream ended early (truncated or empty)";
      return false;
    }
  }
  return true;
}

}  // namespace crawl
