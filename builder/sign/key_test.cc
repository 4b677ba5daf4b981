// Keys made by the openssl CLI (an independent producer) in every PEM form
// cosign users have, plus cosign's own encrypted format written by PyNaCl
// and hashlib.scrypt (Debian python3-nacl, hence /usr/bin/python3): each one signs, and the signature
// verifies with the public key openssl derived. Key material never shows
// up in an error.
#include "builder/sign/key.h"

#include <gtest/gtest.h>

#include "base/fs.h"
#include "tests/support/process.h"

namespace dl::sign {
namespace {

void sh(const std::string& cmd) {
  auto r = test::run({"sh", "-c", cmd});
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(r->exit_code, 0) << cmd << ": " << r->describe();
}

class KeyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    d_ = tmp_.path().string();
    sh("cd " + d_ +
       " && openssl ecparam -name prime256v1 -genkey -noout -out ec.pem 2>/dev/null"
       " && openssl pkey -in ec.pem -pubout -out pub.pem"
       " && openssl pkcs8 -topk8 -nocrypt -in ec.pem -out p8.pem"
       " && openssl pkcs8 -topk8 -v2 aes-256-cbc -passout pass:s3cret -in ec.pem -out p8enc.pem"
       " && openssl ec -aes256 -passout pass:s3cret -in ec.pem -out legacy.pem 2>/dev/null"
       " && openssl ecparam -name secp384r1 -genkey -noout -out p384.pem 2>/dev/null"
       " && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out rsa.pem 2>/dev/null"
       " && openssl ecparam -name prime256v1 -genkey -noout -out other.pem 2>/dev/null"
       " && openssl pkey -in other.pem -pubout -out other.pub");
  }
  std::string p(const std::string& f) { return d_ + "/" + f; }
  TempDir tmp_{"dl-key"};
  std::string d_;
};

void expect_signs(const PrivateKey& k, const PublicKey& pub) {
  auto sig = k.sign("payload");
  ASSERT_TRUE(sig.ok()) << sig.error().message();
  EXPECT_TRUE(pub.verify("payload", *sig));
  EXPECT_FALSE(pub.verify("payloaD", *sig));
}

TEST_F(KeyTest, EveryPemFormSignsAndVerifies) {
  auto pub = PublicKey::load(p("pub.pem"));
  ASSERT_TRUE(pub.ok()) << pub.error().message();
  for (auto [file, pass] :
       {std::pair{"ec.pem", ""}, {"p8.pem", ""}, {"p8enc.pem", "s3cret"}, {"legacy.pem", "s3cret"}}) {
    SCOPED_TRACE(file);
    auto k = PrivateKey::load(p(file), pass);
    ASSERT_TRUE(k.ok()) << k.error().message();
    expect_signs(*k, *pub);
  }
}

TEST_F(KeyTest, SignatureIsCheckedByOpensslToo) {
  auto k = PrivateKey::load(p("ec.pem"), "");
  ASSERT_TRUE(k.ok());
  auto sig = k->sign("hello");
  ASSERT_TRUE(sig.ok());
  ASSERT_TRUE(write_file_atomic(p("msg"), "hello").ok());
  ASSERT_TRUE(write_file_atomic(p("sig.der"), *sig).ok());
  sh("openssl dgst -sha256 -verify " + p("pub.pem") + " -signature " + p("sig.der") + " " + p("msg") + " >/dev/null");
}

TEST_F(KeyTest, EncryptedKeysNeedTheRightPassphraseAndNeverPrompt) {
  for (auto file : {"p8enc.pem", "legacy.pem"}) {
    auto none = PrivateKey::load(p(file), "");
    ASSERT_FALSE(none.ok());
    EXPECT_NE(none.error().message().find("COSIGN_PASSWORD"), std::string::npos) << none.error().message();
    auto wrong = PrivateKey::load(p(file), "nope");
    ASSERT_FALSE(wrong.ok());
    EXPECT_NE(wrong.error().message().find("wrong passphrase"), std::string::npos) << wrong.error().message();
    EXPECT_EQ(wrong.error().message().find("nope"), std::string::npos) << "the passphrase leaked";
  }
}

TEST_F(KeyTest, OnlyP256EcKeysAreAccepted) {
  auto k384 = PrivateKey::load(p("p384.pem"), "");
  ASSERT_FALSE(k384.ok());
  EXPECT_NE(k384.error().message().find("P-256"), std::string::npos) << k384.error().message();
  auto rsa = PrivateKey::load(p("rsa.pem"), "");
  ASSERT_FALSE(rsa.ok());
  EXPECT_NE(rsa.error().message().find("not an EC key"), std::string::npos) << rsa.error().message();
  auto priv_as_pub = PublicKey::load(p("ec.pem"));
  ASSERT_FALSE(priv_as_pub.ok());
  EXPECT_NE(priv_as_pub.error().message().find("public key"), std::string::npos);
  EXPECT_EQ(priv_as_pub.error().message().find("BEGIN EC"), std::string::npos) << "key text in the error";
}

TEST_F(KeyTest, WrongKeyDoesNotVerify) {
  auto k = PrivateKey::load(p("ec.pem"), "");
  auto other = PublicKey::load(p("other.pub"));
  ASSERT_TRUE(k.ok() && other.ok());
  auto sig = k->sign("x");
  ASSERT_TRUE(sig.ok());
  EXPECT_FALSE(other->verify("x", *sig));
  EXPECT_FALSE(other->verify("x", "garbage"));
}

// cosign's "ENCRYPTED SIGSTORE PRIVATE KEY", written the way
// go-securesystemslib's encrypted.Encrypt does: scrypt(N=32768, r=8, p=1)
// over a 32-byte salt, NaCl secretbox with a 24-byte nonce, PKCS#8 inside.
TEST_F(KeyTest, CosignEncryptedSigstoreKey) {
  sh("cd " + d_ +
     " && openssl pkcs8 -topk8 -nocrypt -outform DER -in ec.pem -out p8.der && /usr/bin/python3 - <<'PY'\n"
     "import base64, hashlib, json, os, nacl.secret\n"
     "der = open('p8.der','rb').read()\n"
     "salt, nonce = os.urandom(32), os.urandom(24)\n"
     "key = hashlib.scrypt(b'correct horse', salt=salt, n=32768, r=8, p=1, maxmem=64<<20, dklen=32)\n"
     "box = nacl.secret.SecretBox(key).encrypt(der, nonce).ciphertext\n"
     "b64 = lambda b: base64.b64encode(b).decode()\n"
     "doc = {'kdf': {'name': 'scrypt', 'params': {'N': 32768, 'r': 8, 'p': 1}, 'salt': b64(salt)},\n"
     "       'cipher': {'name': 'nacl/secretbox', 'nonce': b64(nonce)}, 'ciphertext': b64(box)}\n"
     "body = base64.encodebytes(json.dumps(doc).encode()).decode()\n"
     "open('cosign.key','w').write('-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\\n' + body + '-----END ENCRYPTED "
     "SIGSTORE PRIVATE KEY-----\\n')\n"
     "PY");
  auto pub = PublicKey::load(p("pub.pem"));
  ASSERT_TRUE(pub.ok());
  auto k = PrivateKey::load(p("cosign.key"), "correct horse");
  ASSERT_TRUE(k.ok()) << k.error().message();
  expect_signs(*k, *pub);
  auto wrong = PrivateKey::load(p("cosign.key"), "wrong horse");
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message().find("wrong passphrase"), std::string::npos) << wrong.error().message();
  EXPECT_EQ(wrong.error().message().find("horse"), std::string::npos);
  auto none = PrivateKey::load(p("cosign.key"), "");
  ASSERT_FALSE(none.ok());
}

}  // namespace
}  // namespace dl::sign
