#include "output/warc_digest.h"

#include <openssl/evp.h>

#include <cstdlib>

namespace crawl {
namespace {

// Fetched once: EVP_sha1() makes OpenSSL 3 look the algorithm up again on
// every EVP_DigestInit_ex.
const EVP_MD* Sha1Md() {
  static const EVP_MD* md = [] {
    const EVP_MD* m = EVP_MD_fetch(nullptr, "SHA1", nullptr);
    return m != nullptr ? m : EVP_sha1();
  }();
  return md;
}

}  // namespace

struct Sha1::Ctx {
  EVP_MD_CTX* md;
};

Sha1::Sha1() : ctx_(new Ctx{EVP_MD_CTX_new()}) {
  // Allocation failure in OpenSSL is out of memory: nothing sensible remains.
  if (ctx_->md == nullptr ||
      EVP_DigestInit_ex(ctx_->md, Sha1Md(), nullptr) != 1) {
    std::abort();
  }
}

Sha1::~Sha1() {
  EVP_MD_CTX_free(ctx_->md);
  delete ctx_;
}

void Sha1::Update(std::string_view bytes) {
  if (!bytes.empty()) EVP_DigestUpdate(ctx_->md, bytes.data(), bytes.size());
}

Sha1Digest Sha1::Finish() {
  Sha1Digest d{};
  unsigned int n = 0;
  EVP_DigestFinal_ex(ctx_->md, d.data(), &n);
  return d;
}

Sha1Digest Sha1Of(std::string_view bytes) {
  Sha1 s;
  s.Update(bytes);
  return s.Finish();
}

std::string Base32(const std::uint8_t* bytes, std::size_t n) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  out.reserve((n + 4) / 5 * 8);
  std::uint64_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < n; ++i) {
    acc = (acc << 8) | bytes[i];
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push_back(kAlphabet[(acc >> bits) & 31]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (5 - bits)) & 31]);
  while (out.size() % 8 != 0) out.push_back('=');
  return out;
}

}  // namespace crawl
