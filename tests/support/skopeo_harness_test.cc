// A real client (skopeo) pushes a real image (umoci) into each registry mode:
// proof that the certificates, htpasswd file, token server and docker config
// the harness writes are what real tools accept.
#include <gtest/gtest.h>

#include "base/fs.h"
#include "base/sha256.h"
#include "tests/support/oci_fixture.h"
#include "tests/support/process.h"
#include "tests/support/registry_fixture.h"

namespace dl::test {
namespace {

class SkopeoHarnessTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!registry_available() || !oci_tools_available()) return;
    tmp_ = new TempDir("dl-skopeo");
    auto img = make_tiny_oci_image((tmp_->path() / "layout").string());
    ASSERT_TRUE(img.ok()) << img.error().message();
    image_ = new OciImage(*img);
  }
  static void TearDownTestSuite() {
    delete image_;
    delete tmp_;
    image_ = nullptr;
    tmp_ = nullptr;
  }
  void SetUp() override {
    if (!registry_available()) GTEST_SKIP() << "docker-registry not installed (Debian package docker-registry)";
    if (!oci_tools_available()) GTEST_SKIP() << "skopeo/umoci not installed (Debian packages skopeo, umoci)";
    ASSERT_NE(image_, nullptr);
  }

  static ProcessResult skopeo(std::vector<std::string> args) {
    args.insert(args.begin(), {"skopeo", "--insecure-policy"});
    auto r = run(args);
    EXPECT_TRUE(r.ok()) << r.error().message();
    return r.ok() ? *r : ProcessResult{};
  }

  // The manifest digest skopeo reads back from the registry.
  static std::string remote_digest(const std::vector<std::string>& flags, const std::string& ref) {
    std::vector<std::string> args = {"inspect", "--raw"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.push_back(ref);
    auto r = skopeo(args);
    if (!r.ok()) return "error: " + r.describe();
    return Digest::of(r.out).str();
  }

  static TempDir* tmp_;
  static OciImage* image_;
};
TempDir* SkopeoHarnessTest::tmp_ = nullptr;
OciImage* SkopeoHarnessTest::image_ = nullptr;

TEST_F(SkopeoHarnessTest, CopiesIntoPlainRegistry) {
  auto reg = RegistryServer::start(RegistryMode::plain);
  ASSERT_TRUE(reg.ok()) << reg.error().message();
  std::string ref = "docker://" + reg->host() + "/harness/tiny:v1";
  auto r = skopeo({"copy", "--dest-tls-verify=false", image_->skopeo_ref(), ref});
  ASSERT_TRUE(r.ok()) << r.describe();
  EXPECT_EQ(remote_digest({"--tls-verify=false"}, ref), image_->manifest_digest);
}

TEST_F(SkopeoHarnessTest, CopiesIntoHtpasswdTlsRegistryWithCredsAndCa) {
  auto reg = RegistryServer::start(RegistryMode::htpasswd_tls);
  ASSERT_TRUE(reg.ok()) << reg.error().message();
  std::string ref = "docker://" + reg->host() + "/harness/tiny:v1";
  std::string creds = reg->username() + ":" + reg->password();

  auto anon = skopeo({"copy", "--dest-cert-dir", reg->cert_dir(), image_->skopeo_ref(), ref});
  EXPECT_FALSE(anon.ok()) << "push without credentials must be refused";

  auto r = skopeo({"copy", "--dest-creds", creds, "--dest-cert-dir", reg->cert_dir(), image_->skopeo_ref(), ref});
  ASSERT_TRUE(r.ok()) << r.describe();
  // The generated docker config works as an auth file too.
  EXPECT_EQ(
      remote_digest({"--cert-dir", reg->cert_dir(), "--authfile", reg->docker_config_dir() + "/config.json"}, ref),
      image_->manifest_digest);
}

TEST_F(SkopeoHarnessTest, CopiesIntoTokenRegistryAndCountsTokenRequests) {
  auto reg = RegistryServer::start(RegistryMode::token);
  ASSERT_TRUE(reg.ok()) << reg.error().message();
  std::string ref = "docker://" + reg->host() + "/harness/tiny:v1";
  auto r = skopeo({"copy", "--dest-tls-verify=false", "--dest-creds", reg->username() + ":" + reg->password(),
                   image_->skopeo_ref(), ref});
  ASSERT_TRUE(r.ok()) << r.describe();
  EXPECT_GE(reg->token_requests(), 1u);
  // Anonymous pull is granted by the token server's policy.
  EXPECT_EQ(remote_digest({"--tls-verify=false", "--no-creds"}, ref), image_->manifest_digest);
}

}  // namespace
}  // namespace dl::test
