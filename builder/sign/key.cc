#include "builder/sign/key.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdlib>
#include <cstring>

#include "base/fs.h"
#include "builder/sign/sigstore_key.h"

namespace dl::sign {

namespace {

Result<std::string> read_key_file(const std::string& path, const char* expected);

constexpr size_t kMaxKeyFile = 64 * 1024;  // a PEM key is < 1 KiB; this bounds a wrong file

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

// The passphrase callback: never prompts (OpenSSL's default would read the
// terminal); an encrypted key with no passphrase fails.
struct Pass {
  std::string_view text;
  bool asked = false;
};
int pass_cb(char* buf, int size, int /*rwflag*/, void* u) {
  auto* p = static_cast<Pass*>(u);
  p->asked = true;
  if (p->text.empty() || p->text.size() > size_t(size)) return -1;
  std::memcpy(buf, p->text.data(), p->text.size());
  return int(p->text.size());
}

// cosign keys are ECDSA on P-256; anything else is refused by name.
Status require_p256(EVP_PKEY* k, const std::string& what) {
  if (EVP_PKEY_get_base_id(k) != EVP_PKEY_EC)
    return invalid(what + ": not an EC key; expected ECDSA P-256 (cosign generate-key-pair)");
  char group[64] = {0};
  size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) != 1 ||
      std::string_view(group) != "prime256v1")
    return invalid(what + ": EC key on curve '" + std::string(group) + "'; expected P-256 (prime256v1)");
  return {};
}

Result<std::string> read_key_file(const std::string& path, const char* expected) {
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  if (ec) return io_error(path + ": " + ec.message());
  if (size > kMaxKeyFile) return invalid(path + ": " + std::to_string(size) + " bytes; expected " + expected);
  return read_file(path);
}

bool has_label(std::string_view pem, std::string_view label) {
  return pem.find("-----BEGIN " + std::string(label) + "-----") != std::string_view::npos;
}

}  // namespace

struct PrivateKey::Impl {
  PkeyPtr key;
};
struct PublicKey::Impl {
  PkeyPtr key;
};

PrivateKey::PrivateKey(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PrivateKey::PrivateKey(PrivateKey&&) noexcept = default;
PrivateKey& PrivateKey::operator=(PrivateKey&&) noexcept = default;
PrivateKey::~PrivateKey() = default;
PublicKey::PublicKey(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PublicKey::PublicKey(PublicKey&&) noexcept = default;
PublicKey& PublicKey::operator=(PublicKey&&) noexcept = default;
PublicKey::~PublicKey() = default;

Result<PrivateKey> PrivateKey::load(const std::string& path, std::string_view passphrase) {
  DL_ASSIGN_OR_RETURN(auto pem, read_key_file(path, "a PEM private key"));
  auto r = from_pem(pem, passphrase, path);
  OPENSSL_cleanse(pem.data(), pem.size());
  return r;
}

Result<PrivateKey> PrivateKey::from_pem(std::string_view pem, std::string_view passphrase, const std::string& what) {
  PkeyPtr key;
  if (has_label(pem, "ENCRYPTED SIGSTORE PRIVATE KEY") || has_label(pem, "ENCRYPTED COSIGN PRIVATE KEY")) {
    if (passphrase.empty()) return invalid(what + ": the key is encrypted and COSIGN_PASSWORD is not set (or empty)");
    DL_ASSIGN_OR_RETURN(auto der, decrypt_sigstore_key(pem, passphrase, what));
    const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
    PKCS8_PRIV_KEY_INFO* info = d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, long(der.size()));
    if (info) key.reset(EVP_PKCS82PKEY(info));
    PKCS8_PRIV_KEY_INFO_free(info);
    OPENSSL_cleanse(der.data(), der.size());
    if (!key) return invalid(what + ": the decrypted key is not a PKCS#8 private key");
  } else {
    BioPtr bio(BIO_new_mem_buf(pem.data(), int(pem.size())));
    if (!bio) return Error(ErrorKind::internal, "out of memory");
    Pass pass{passphrase};
    key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, pass_cb, &pass));
    if (!key) {
      bool encrypted =
          has_label(pem, "ENCRYPTED PRIVATE KEY") || pem.find("Proc-Type: 4,ENCRYPTED") != std::string_view::npos;
      if (encrypted && passphrase.empty())
        return invalid(what + ": the key is encrypted and COSIGN_PASSWORD is not set (or empty)");
      if (encrypted) return invalid(what + ": cannot decrypt the key: wrong passphrase (COSIGN_PASSWORD)?");
      return invalid(what +
                     ": not a PEM private key; expected EC PRIVATE KEY, PRIVATE KEY, ENCRYPTED PRIVATE KEY or "
                     "ENCRYPTED SIGSTORE PRIVATE KEY");
    }
  }
  DL_TRY(require_p256(key.get(), what));
  auto impl = std::make_unique<Impl>();
  impl->key = std::move(key);
  return PrivateKey(std::move(impl));
}

Result<std::string> PrivateKey::sign(std::string_view message) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, impl_->key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1)
    return Error(ErrorKind::internal, "ECDSA signing failed");
  std::string der(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(der.data()), &len,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1)
    return Error(ErrorKind::internal, "ECDSA signing failed");
  der.resize(len);
  return der;
}

Result<PublicKey> PrivateKey::public_key() const {
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(impl_->key.get(), &der);
  if (len <= 0) return Error(ErrorKind::internal, "cannot derive the public key");
  const unsigned char* p = der;
  PkeyPtr pub(d2i_PUBKEY(nullptr, &p, len));
  OPENSSL_free(der);
  if (!pub) return Error(ErrorKind::internal, "cannot derive the public key");
  auto impl = std::make_unique<PublicKey::Impl>();
  impl->key = std::move(pub);
  return PublicKey(std::move(impl));
}

Result<PublicKey> PublicKey::load(const std::string& path) {
  DL_ASSIGN_OR_RETURN(auto pem, read_key_file(path, "a PEM public key"));
  return from_pem(pem, path);
}

Result<PublicKey> PublicKey::from_pem(std::string_view pem, const std::string& what) {
  if (has_label(pem, "PRIVATE KEY"))
    return invalid(what + ": a private key; verification takes the public key (cosign.pub)");
  BioPtr bio(BIO_new_mem_buf(pem.data(), int(pem.size())));
  if (!bio) return Error(ErrorKind::internal, "out of memory");
  PkeyPtr key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return invalid(what + ": not a PEM public key; expected -----BEGIN PUBLIC KEY----- (cosign.pub)");
  DL_TRY(require_p256(key.get(), what));
  auto impl = std::make_unique<Impl>();
  impl->key = std::move(key);
  return PublicKey(std::move(impl));
}

bool PublicKey::verify(std::string_view message, std::string_view der) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, impl_->key.get()) != 1) return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(der.data()), der.size(),
                          reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
}

std::string PublicKey::pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), impl_->key.get()) != 1) return "";
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, size_t(n));
}

std::string passphrase_from_env() {
  const char* p = std::getenv("COSIGN_PASSWORD");
  return p ? p : "";
}

}  // namespace dl::sign
