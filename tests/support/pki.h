// Throwaway PKI for test servers: a CA, leaf certificates with SANs, and
// ES256 JSON Web Signatures (the registry token format). EC P-256 keys keep
// key generation in the microseconds, so every test gets fresh keys.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/base64.h"
#include "base/result.h"

namespace dl::test {

// A certificate and its private key, held as PEM plus DER of the cert.
struct CertifiedKey {
  std::string cert_pem;
  std::string key_pem;   // PKCS#8
  std::string cert_der;  // raw DER bytes (for JWT x5c)
};

// Self-signed CA certificate (basicConstraints CA:TRUE, keyCertSign).
Result<CertifiedKey> make_ca(const std::string& common_name);
// Leaf certificate signed by `ca`, with DNS and IP subjectAltNames
// (e.g. dns={"localhost"}, ips={"127.0.0.1"}); serverAuth+clientAuth EKU.
Result<CertifiedKey> make_leaf(const CertifiedKey& ca, const std::string& common_name,
                               const std::vector<std::string>& dns, const std::vector<std::string>& ips);

// Compact JWS "header.payload.signature" with alg ES256, signed with the
// PEM private key; `header_json` must already contain "alg":"ES256".
Result<std::string> sign_es256_jws(std::string_view header_json, std::string_view payload_json,
                                   const std::string& key_pem);

}  // namespace dl::test
