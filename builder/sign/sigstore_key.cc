#include "builder/sign/sigstore_key.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <sodium.h>
#include <nlohmann/json.hpp>

#include <memory>

#include "base/base64.h"
#include "builder/sign/key.h"

namespace dl::sign {

namespace {

// scrypt costs N*r*128 bytes of memory: a hostile file must not ask for
// gigabytes. cosign writes N=32768, r=8, p=1 (32 MiB).
constexpr std::uint64_t kMaxScryptN = 1u << 20;
constexpr std::uint64_t kMaxScryptR = 32, kMaxScryptP = 16;
constexpr std::uint64_t kMaxScryptMem = 1ull << 30;

Result<std::string> pem_body(std::string_view pem, const std::string& what) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), int(pem.size())), BIO_free);
  char *name = nullptr, *header = nullptr;
  unsigned char* data = nullptr;
  long len = 0;
  if (!bio || PEM_read_bio(bio.get(), &name, &header, &data, &len) != 1) return invalid(what + ": not a PEM file");
  std::string body(reinterpret_cast<char*>(data), size_t(len));
  OPENSSL_free(name);
  OPENSSL_free(header);
  OPENSSL_free(data);
  return body;
}

Result<std::string> b64_field(const nlohmann::json& j, const char* key, const std::string& what) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_string())
    return invalid(what + ": encrypted key has no '" + std::string(key) + "'");
  auto r = base64_decode(j[key].get<std::string>());
  if (!r) return invalid(what + ": encrypted key field '" + std::string(key) + "' is not base64");
  return *r;
}

}  // namespace

Result<std::string> decrypt_sigstore_key(std::string_view pem, std::string_view passphrase, const std::string& what) {
  if (sodium_init() < 0) return Error(ErrorKind::internal, "libsodium failed to initialise");
  DL_ASSIGN_OR_RETURN(auto body, pem_body(pem, what));
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("kdf") || !j.contains("cipher"))
    return invalid(what + ": encrypted sigstore key is not the JSON cosign writes (kdf, cipher, ciphertext)");
  const auto& kdf = j["kdf"];
  const auto& cipher = j["cipher"];
  if (!kdf.is_object() || kdf.value("name", "") != "scrypt")
    return invalid(what + ": key derivation '" + (kdf.is_object() ? kdf.value("name", "") : "") + "'; expected scrypt");
  if (!cipher.is_object() || cipher.value("name", "") != "nacl/secretbox")
    return invalid(what + ": cipher '" + (cipher.is_object() ? cipher.value("name", "") : "") +
                   "'; expected nacl/secretbox");
  const auto& params = kdf.contains("params") ? kdf["params"] : nlohmann::json();
  auto num = [&](const char* k) -> std::uint64_t {
    return params.is_object() && params.contains(k) && params[k].is_number_unsigned() ? params[k].get<std::uint64_t>()
                                                                                      : 0;
  };
  std::uint64_t n = num("N"), r = num("r"), p = num("p");
  if (n < 2 || (n & (n - 1)) != 0 || n > kMaxScryptN || r == 0 || r > kMaxScryptR || p == 0 || p > kMaxScryptP)
    return invalid(what + ": scrypt parameters N=" + std::to_string(n) + " r=" + std::to_string(r) +
                   " p=" + std::to_string(p) + " are out of bounds (N a power of two <= 2^20, r <= 32, p <= 16)");
  DL_ASSIGN_OR_RETURN(auto salt, b64_field(kdf, "salt", what));
  DL_ASSIGN_OR_RETURN(auto nonce, b64_field(cipher, "nonce", what));
  DL_ASSIGN_OR_RETURN(auto box, b64_field(j, "ciphertext", what));
  if (nonce.size() != crypto_secretbox_NONCEBYTES) return invalid(what + ": secretbox nonce is not 24 bytes");
  if (box.size() < crypto_secretbox_MACBYTES) return invalid(what + ": ciphertext too short");

  unsigned char key[crypto_secretbox_KEYBYTES];
  std::uint64_t maxmem = std::min<std::uint64_t>(kMaxScryptMem, 128 * r * (n + p + 2) + (1u << 20));
  if (EVP_PBE_scrypt(passphrase.data(), passphrase.size(), reinterpret_cast<const unsigned char*>(salt.data()),
                     salt.size(), n, r, p, maxmem, key, sizeof key) != 1)
    return invalid(what + ": scrypt failed (parameters too costly?)");
  std::string der(box.size() - crypto_secretbox_MACBYTES, '\0');
  int rc = crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(der.data()),
                                      reinterpret_cast<const unsigned char*>(box.data()), box.size(),
                                      reinterpret_cast<const unsigned char*>(nonce.data()), key);
  OPENSSL_cleanse(key, sizeof key);
  if (rc != 0) {
    OPENSSL_cleanse(der.data(), der.size());
    return invalid(what + ": cannot decrypt the key: wrong passphrase (COSIGN_PASSWORD)?");
  }
  return der;
}

}  // namespace dl::sign
