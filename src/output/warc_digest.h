// SHA-1 digests as WARC writes them: "sha1:" and RFC 4648 base32 (upper
// case, 32 characters for 20 bytes, no padding needed), the form wget,
// Heritrix and warcio use for WARC-Block-Digest and WARC-Payload-Digest.
//
// Thread safety: a Sha1 object is used by one thread at a time.
#ifndef CRAWL_OUTPUT_WARC_DIGEST_H_
#define CRAWL_OUTPUT_WARC_DIGEST_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace crawl {

using Sha1Digest = std::array<std::uint8_t, 20>;

// An incremental SHA-1 (OpenSSL's EVP interface).
class Sha1 {
 public:
  Sha1();
  ~Sha1();
  Sha1(const Sha1&) = delete;
  Sha1& operator=(const Sha1&) = delete;

  void Update(std::string_view bytes);
  // The digest of everything passed to Update; the object is then spent.
  Sha1Digest Finish();

 private:
  struct Ctx;
  Ctx* ctx_;
};

Sha1Digest Sha1Of(std::string_view bytes);

// RFC 4648 section 6 base32 of `bytes`, upper case, '=' padded.
std::string Base32(const std::uint8_t* bytes, std::size_t n);
inline std::string Base32(const Sha1Digest& d) {
  return Base32(d.data(), d.size());
}

}  // namespace crawl

#endif  // CRAWL_OUTPUT_WARC_DIGEST_H_
