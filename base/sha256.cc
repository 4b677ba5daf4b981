#include "base/sha256.h"

#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>

namespace dl {

struct Sha256::Impl {
  EVP_MD_CTX* ctx = nullptr;
  Impl() {
    ctx = EVP_MD_CTX_new();
    // Only out of memory gets here; there is nothing to report it with.
    if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) != 1) {
      std::fputs("dlimage: OpenSSL cannot initialise SHA-256\n", stderr);
      std::abort();
    }
  }
  ~Impl() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : impl_(std::make_unique<Impl>()) {}
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(const void* data, size_t len) {
  EVP_DigestUpdate(impl_->ctx, data, len);
  bytes_ += len;
}

std::string Sha256::hex_digest() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(impl_->ctx, md, &n);
  EVP_DigestInit_ex(impl_->ctx, EVP_sha256(), nullptr);
  bytes_ = 0;
  static const char* k = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (unsigned i = 0; i < n; ++i) {
    out[2 * i] = k[md[i] >> 4];
    out[2 * i + 1] = k[md[i] & 15];
  }
  return out;
}

std::string Sha256::hex(std::string_view data) {
  Sha256 h;
  h.update(data);
  return h.hex_digest();
}

Digest Digest::of(std::string_view data) { return Digest{"sha256", Sha256::hex(data)}; }

Result<Digest> Digest::parse(std::string_view s) {
  auto colon = s.find(':');
  if (colon == std::string_view::npos)
    return invalid("digest '" + std::string(s) + "': expected 'sha256:<64 hex digits>'");
  std::string_view algo = s.substr(0, colon), hex = s.substr(colon + 1);
  if (algo != "sha256")
    return invalid("digest '" + std::string(s) + "': unsupported algorithm '" + std::string(algo) +
                   "', expected sha256");
  if (hex.size() != 64)
    return invalid("digest '" + std::string(s) + "': expected 64 hex digits, got " + std::to_string(hex.size()));
  for (char c : hex)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return invalid("digest '" + std::string(s) + "': expected lowercase hex digits");
  return Digest{"sha256", std::string(hex)};
}

}  // namespace dl
