// Binary encoding for saved state: varints (LEB128), fixed-width
// big-endian integers (so keys sort as numbers), length-prefixed strings,
// and a Reader that fails, rather than reads past the end, on bad input.
#ifndef CRAWL_UTIL_CODEC_H_
#define CRAWL_UTIL_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace crawl {

inline void PutVarint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// `bytes` (1..8) big-endian bytes of `v`.
inline void PutBe(std::string& out, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>(v >> (8 * i)));
}

inline std::uint64_t GetBe(std::string_view in, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) {
    v = v << 8 | static_cast<unsigned char>(in[at + static_cast<std::size_t>(i)]);
  }
  return v;
}

inline void PutString(std::string& out, std::string_view s) {
  PutVarint(out, s.size());
  out.append(s);
}

// Reads what the Put functions wrote. After any read past the end or a
// malformed varint, ok() is false and every read returns 0 or "".
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  std::uint64_t Varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64 && ok_ && at_ < in_.size(); shift += 7) {
      const auto byte = static_cast<unsigned char>(in_[at_++]);
      v |= std::uint64_t{byte & 0x7fu} << shift;
      if (byte < 0x80) return v;
    }
    ok_ = false;
    return 0;
  }
  std::uint64_t Be(int bytes) {
    if (!ok_ || in_.size() - at_ < static_cast<std::size_t>(bytes)) {
      ok_ = false;
      return 0;
    }
    const std::uint64_t v = GetBe(in_, at_, bytes);
    at_ += static_cast<std::size_t>(bytes);
    return v;
  }
  std::string_view String() {
    const std::uint64_t n = Varint();
    if (!ok_ || in_.size() - at_ < n) {
      ok_ = false;
      return {};
    }
    const std::string_view s = in_.substr(at_, n);
    at_ += n;
    return s;
  }
  // The bytes not read yet.
  std::string_view Rest() {
    const std::string_view s = ok_ ? in_.substr(at_) : std::string_view();
    at_ = in_.size();
    return s;
  }
  bool ok() const { return ok_; }
  bool done() const { return ok_ && at_ == in_.size(); }

 private:
  std::string_view in_;
  std::size_t at_ = 0;
  bool ok_ = true;
};

}  // namespace crawl

#endif  // CRAWL_UTIL_CODEC_H_
