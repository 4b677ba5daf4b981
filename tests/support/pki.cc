#include "tests/support/pki.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace dl::test {
namespace {

template <class T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using PKey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;

Error ssl_error(const std::string& what) {
  unsigned long e = ERR_get_error();
  char buf[256] = "unknown";
  if (e) ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return Error(ErrorKind::internal, what + ": " + buf);
}

PKey new_ec_key() { return PKey(EVP_EC_gen("P-256")); }

std::string bio_string(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

Result<PKey> load_key(const std::string& pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  PKey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return ssl_error("reading private key");
  return key;
}

Result<Cert> load_cert(const std::string& pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Cert cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return ssl_error("reading certificate");
  return cert;
}

bool add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

Result<Cert> new_cert(EVP_PKEY* key, const std::string& cn) {
  Cert cert(X509_new());
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  // Backdate an hour so small clock differences never matter.
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 7L * 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("dlimage tests"), -1, -1,
                             0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  return cert;
}

Result<CertifiedKey> finish(X509* cert, EVP_PKEY* key) {
  CertifiedKey out;
  Bio cbio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_X509(cbio.get(), cert) != 1) return ssl_error("writing certificate");
  out.cert_pem = bio_string(cbio.get());
  Bio kbio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PrivateKey(kbio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return ssl_error("writing key");
  out.key_pem = bio_string(kbio.get());
  int len = i2d_X509(cert, nullptr);
  out.cert_der.resize(static_cast<size_t>(len));
  auto* p = reinterpret_cast<unsigned char*>(out.cert_der.data());
  i2d_X509(cert, &p);
  return out;
}

}  // namespace

Result<CertifiedKey> make_ca(const std::string& common_name) {
  PKey key = new_ec_key();
  if (!key) return ssl_error("generating CA key");
  DL_ASSIGN_OR_RETURN(Cert cert, new_cert(key.get(), common_name));
  X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
  if (!add_ext(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE") ||
      !add_ext(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature") ||
      !add_ext(cert.get(), cert.get(), NID_subject_key_identifier, "hash"))
    return ssl_error("CA extensions");
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return ssl_error("signing CA");
  return finish(cert.get(), key.get());
}

Result<CertifiedKey> make_leaf(const CertifiedKey& ca, const std::string& common_name,
                               const std::vector<std::string>& dns, const std::vector<std::string>& ips) {
  DL_ASSIGN_OR_RETURN(PKey ca_key, load_key(ca.key_pem));
  DL_ASSIGN_OR_RETURN(Cert ca_cert, load_cert(ca.cert_pem));
  PKey key = new_ec_key();
  if (!key) return ssl_error("generating key");
  DL_ASSIGN_OR_RETURN(Cert cert, new_cert(key.get(), common_name));
  X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert.get()));
  std::string san;
  for (const auto& d : dns) san += (san.empty() ? "" : ",") + std::string("DNS:") + d;
  for (const auto& ip : ips) san += (san.empty() ? "" : ",") + std::string("IP:") + ip;
  if (!add_ext(cert.get(), ca_cert.get(), NID_basic_constraints, "critical,CA:FALSE") ||
      !add_ext(cert.get(), ca_cert.get(), NID_key_usage, "critical,digitalSignature,keyEncipherment") ||
      !add_ext(cert.get(), ca_cert.get(), NID_ext_key_usage, "serverAuth,clientAuth") ||
      !add_ext(cert.get(), ca_cert.get(), NID_authority_key_identifier, "keyid:always") ||
      (!san.empty() && !add_ext(cert.get(), ca_cert.get(), NID_subject_alt_name, san)))
    return ssl_error("leaf extensions for " + common_name);
  if (X509_sign(cert.get(), ca_key.get(), EVP_sha256()) == 0) return ssl_error("signing leaf");
  return finish(cert.get(), key.get());
}

Result<std::string> sign_es256_jws(std::string_view header_json, std::string_view payload_json,
                                   const std::string& key_pem) {
  DL_ASSIGN_OR_RETURN(PKey key, load_key(key_pem));
  std::string input = base64_encode(header_json, Base64::url) + "." + base64_encode(payload_json, Base64::url);
  MdCtx ctx(EVP_MD_CTX_new());
  if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_DigestSignUpdate(ctx.get(), input.data(), input.size()) != 1)
    return ssl_error("ES256 sign init");
  size_t len = 0;
  if (EVP_DigestSignFinal(ctx.get(), nullptr, &len) != 1) return ssl_error("ES256 sign size");
  std::string der(len, '\0');
  if (EVP_DigestSignFinal(ctx.get(), reinterpret_cast<unsigned char*>(der.data()), &len) != 1)
    return ssl_error("ES256 sign");
  der.resize(len);
  // OpenSSL gives an ASN.1 SEQUENCE{r,s}; JOSE wants r||s, 32 bytes each.
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  if (!sig) return ssl_error("decoding ECDSA signature");
  const BIGNUM *r = nullptr, *s = nullptr;
  ECDSA_SIG_get0(sig, &r, &s);
  std::string raw(64, '\0');
  BN_bn2binpad(r, reinterpret_cast<unsigned char*>(raw.data()), 32);
  BN_bn2binpad(s, reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
  ECDSA_SIG_free(sig);
  return input + "." + base64_encode(raw, Base64::url);
}

}  // namespace dl::test
