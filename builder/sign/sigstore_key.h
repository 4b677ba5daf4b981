// cosign's own encrypted private keys ("ENCRYPTED SIGSTORE PRIVATE KEY",
// older "ENCRYPTED COSIGN PRIVATE KEY"): PEM around the JSON of
// go-securesystemslib's `encrypted` package,
//   {"kdf":{"name":"scrypt","params":{"N":..,"r":..,"p":..},"salt":B64},
//    "cipher":{"name":"nacl/secretbox","nonce":B64},"ciphertext":B64}
// The key is scrypt(passphrase, salt) (OpenSSL's EVP_PBE_scrypt); the
// ciphertext is NaCl secretbox (XSalsa20-Poly1305, libsodium's
// crypto_secretbox_open_easy: tag || box) of the PKCS#8 DER private key.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace dl::sign {

// The PKCS#8 DER of the key; the caller wipes it. A wrong passphrase fails
// the secretbox tag check and says so.
Result<std::string> decrypt_sigstore_key(std::string_view pem, std::string_view passphrase, const std::string& what);

}  // namespace dl::sign
