// Signing keys as cosign writes and reads them, through OpenSSL's C API:
// ECDSA P-256 over SHA-256, signatures in ASN.1 DER. Private keys are PEM:
// plain ("EC PRIVATE KEY", "PRIVATE KEY"), PKCS#8 encrypted ("ENCRYPTED
// PRIVATE KEY", or OpenSSL's legacy Proc-Type form) and cosign's own
// "ENCRYPTED SIGSTORE PRIVATE KEY" (scrypt + NaCl secretbox around PKCS#8;
// also the older "ENCRYPTED COSIGN PRIVATE KEY" label). Public keys are
// PKIX PEM ("PUBLIC KEY", cosign.pub).
//
// Key material and passphrases never reach an error message: errors name
// the file and what was wrong with it, nothing of its contents. Buffers
// holding secrets are wiped (OPENSSL_cleanse) before they are freed.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"

namespace dl::sign {

class PublicKey;

class PrivateKey {
 public:
  // `passphrase` is used only when the key is encrypted; an encrypted key
  // without one is an error naming COSIGN_PASSWORD.
  static Result<PrivateKey> load(const std::string& path, std::string_view passphrase);
  static Result<PrivateKey> from_pem(std::string_view pem, std::string_view passphrase, const std::string& what);

  PrivateKey(PrivateKey&&) noexcept;
  PrivateKey& operator=(PrivateKey&&) noexcept;
  ~PrivateKey();

  // DER ECDSA signature over SHA-256(message).
  Result<std::string> sign(std::string_view message) const;
  // The matching public key (to check our own signatures on a rerun).
  Result<PublicKey> public_key() const;

 private:
  struct Impl;
  explicit PrivateKey(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class PublicKey {
 public:
  static Result<PublicKey> load(const std::string& path);
  static Result<PublicKey> from_pem(std::string_view pem, const std::string& what);

  PublicKey(PublicKey&&) noexcept;
  PublicKey& operator=(PublicKey&&) noexcept;
  ~PublicKey();

  // True when `der` is a valid signature of `message` by this key.
  bool verify(std::string_view message, std::string_view der) const;
  // SubjectPublicKeyInfo PEM.
  std::string pem() const;

 private:
  friend class PrivateKey;
  struct Impl;
  explicit PublicKey(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The passphrase cosign reads: $COSIGN_PASSWORD, "" when unset.
std::string passphrase_from_env();

}  // namespace dl::sign
