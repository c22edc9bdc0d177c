// ContentDecoder: every coding round-trips, in pieces of any size, and a
// stream that stops early or lies is told apart from one that ended.
#include "fetch/decoder.h"

#include <brotli/encode.h>
#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <random>
#include <string>

namespace crawl {
namespace {

std::string Text(std::size_t n) {
  std::string s;
  std::mt19937 rng(7);
  while (s.size() < n) s += "<a href=\"/p" + std::to_string(rng() % 1000) + "\">x</a>\n";
  s.resize(n);
  return s;
}

// window_bits: 15 zlib, -15 raw deflate, 31 gzip.
std::string Deflate(const std::string& in, int window_bits) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 6, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, in.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string Brotli(const std::string& in) {
  std::string out(BrotliEncoderMaxCompressedSize(in.size()) + 16, '\0');
  std::size_t n = out.size();
  EXPECT_TRUE(BrotliEncoderCompress(5, 22, BROTLI_MODE_TEXT, in.size(),
                                    reinterpret_cast<const uint8_t*>(in.data()),
                                    &n, reinterpret_cast<uint8_t*>(out.data())));
  out.resize(n);
  return out;
}

std::string Zstd(const std::string& in) {
  std::string out(ZSTD_compressBound(in.size()), '\0');
  const std::size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 3);
  EXPECT_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

struct Decoded {
  std::string body;
  bool write_ok = true;
  bool finish_ok = false;
  std::string error;
};

// Feeds `raw` in pieces of `piece` bytes.
Decoded Decode(std::string_view coding, std::string_view raw, std::size_t piece,
               std::size_t cap = SIZE_MAX) {
  ContentDecoder d(coding);
  Decoded out;
  const ContentDecoder::Sink sink = [&](std::string_view bytes) {
    out.body.append(bytes.substr(0, cap - std::min(cap, out.body.size())));
    return out.body.size() < cap;
  };
  for (std::size_t i = 0; i < raw.size() && out.write_ok; i += piece) {
    out.write_ok = d.Write(raw.substr(i, piece), sink);
  }
  if (out.write_ok) out.finish_ok = d.Finish();
  out.error = d.error();
  return out;
}

TEST(ContentDecoder, EveryCodingRoundTripsInAnyPieces) {
  const std::string text = Text(200'000);
  const std::pair<const char*, std::string> cases[] = {
      {"gzip", Deflate(text, 31)},  {"x-gzip", Deflate(text, 31)},
      {"deflate", Deflate(text, 15)}, {"deflate", Deflate(text, -15)},
      {"br", Brotli(text)},          {"zstd", Zstd(text)},
      {"GZip", Deflate(text, 31)},   {"identity", text},
      {"", text},
  };
  for (const auto& [coding, raw] : cases) {
    for (std::size_t piece : {1, 2, 7, 4096, 1 << 20}) {
      if (piece == 1 && raw.size() > 100'000) continue;  // slow, and no news
      const Decoded d = Decode(coding, raw, piece);
      EXPECT_TRUE(d.write_ok) << coding << " " << piece << ": " << d.error;
      EXPECT_TRUE(d.finish_ok) << coding << " " << piece << ": " << d.error;
      EXPECT_EQ(d.body, text) << coding << " " << piece;
    }
  }
}

TEST(ContentDecoder, LayersAreUndoneLastFirst) {
  const std::string text = Text(5000);
  // "gzip, br": gzip was applied first, then br.
  const Decoded d = Decode("gzip, br", Brotli(Deflate(text, 31)), 100);
  EXPECT_TRUE(d.finish_ok) << d.error;
  EXPECT_EQ(d.body, text);
}

TEST(ContentDecoder, GzipMembersFollowEachOther) {
  const std::string a = Text(3000), b = "tail";
  const Decoded d = Decode("gzip", Deflate(a, 31) + Deflate(b, 31), 513);
  EXPECT_TRUE(d.finish_ok) << d.error;
  EXPECT_EQ(d.body, a + b);
}

TEST(ContentDecoder, AStreamCutShortIsNotFinished) {
  const std::string text = Text(50'000);
  for (const auto& [coding, raw] :
       {std::pair<const char*, std::string>{"gzip", Deflate(text, 31)},
        {"deflate", Deflate(text, 15)},
        {"br", Brotli(text)},
        {"zstd", Zstd(text)}}) {
    const Decoded half = Decode(coding, raw.substr(0, raw.size() / 2), 1000);
    EXPECT_TRUE(half.write_ok) << coding << ": " << half.error;
    EXPECT_FALSE(half.finish_ok) << coding;
    EXPECT_NE(half.error.find("ended early"), std::string::npos) << half.error;
    EXPECT_LT(half.body.size(), text.size());
    // A header and no data.
    const Decoded head = Decode(coding, raw.substr(0, 10), 10);
    EXPECT_FALSE(head.finish_ok) << coding;
  }
}

TEST(ContentDecoder, ALyingEncodingIsAnError) {
  for (const char* coding : {"gzip", "zstd"}) {
    const Decoded d = Decode(coding, "<html>plain, not encoded</html>", 100);
    EXPECT_FALSE(d.write_ok) << coding;
    EXPECT_NE(d.error.find("corrupt"), std::string::npos) << d.error;
  }
  const Decoded br = Decode("br", std::string(64, '\xff'), 64);
  EXPECT_FALSE(br.write_ok && br.finish_ok);
}

TEST(ContentDecoder, TheSinkStopsABomb) {
  const std::string zeros(50 << 20, '\0');
  const std::string bomb = Deflate(zeros, 31);
  ASSERT_LT(bomb.size(), 100'000u);
  const Decoded d = Decode("gzip", bomb, 4096, /*cap=*/1 << 20);
  EXPECT_FALSE(d.write_ok);
  EXPECT_EQ(d.body.size(), 1u << 20);
}

TEST(ContentDecoder, UnknownCodingsPassThroughAndTooManyAreRefused) {
  const Decoded d = Decode("compress", "abc", 1);
  EXPECT_TRUE(d.finish_ok);
  EXPECT_EQ(d.body, "abc");
  const Decoded many = Decode("gzip,gzip,gzip,gzip,gzip,gzip", "x", 1);
  EXPECT_FALSE(many.write_ok);
}

}  // namespace
}  // namespace crawl
