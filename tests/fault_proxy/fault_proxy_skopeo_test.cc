// skopeo through the proxy: without faults the proxy is transparent to a real
// client (chunked PATCH uploads, Location round trips); with a scheduled 503
// the fault really reaches the client and its retry recovers.
#include <gtest/gtest.h>

#include "base/fs.h"
#include "base/sha256.h"
#include "tests/fault_proxy/fault_proxy.h"
#include "tests/support/oci_fixture.h"
#include "tests/support/process.h"
#include "tests/support/registry_fixture.h"

namespace dl::test {
namespace {

class FaultProxySkopeoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!registry_available()) GTEST_SKIP() << "docker-registry not installed (Debian package docker-registry)";
    if (!oci_tools_available()) GTEST_SKIP() << "skopeo/umoci not installed (Debian packages skopeo, umoci)";
    auto img = make_tiny_oci_image((tmp_.path() / "layout").string());
    ASSERT_TRUE(img.ok()) << img.error().message();
    image_ = *img;
    auto reg = RegistryServer::start(RegistryMode::plain);
    ASSERT_TRUE(reg.ok()) << reg.error().message();
    reg_ = std::make_unique<RegistryServer>(std::move(*reg));
  }

  ProcessResult skopeo(std::vector<std::string> args) {
    args.insert(args.begin(), {"skopeo", "--insecure-policy"});
    auto r = run(args);
    EXPECT_TRUE(r.ok()) << r.error().message();
    return r.ok() ? *r : ProcessResult{};
  }

  std::string digest_at(const std::string& host) {
    auto r = skopeo({"inspect", "--raw", "--tls-verify=false", "docker://" + host + "/proxy/tiny:v1"});
    return r.ok() ? Digest::of(r.out).str() : "error: " + r.describe();
  }

  TempDir tmp_{"dl-proxy-skopeo"};
  OciImage image_;
  std::unique_ptr<RegistryServer> reg_;
};

TEST_F(FaultProxySkopeoTest, TransparentWithoutFaults) {
  auto proxy = FaultProxy::start(reg_->host(), "");
  ASSERT_TRUE(proxy.ok()) << proxy.error().message();
  auto r = skopeo(
      {"copy", "--dest-tls-verify=false", image_.skopeo_ref(), "docker://" + (*proxy)->host() + "/proxy/tiny:v1"});
  ASSERT_TRUE(r.ok()) << r.describe();
  EXPECT_EQ(digest_at(reg_->host()), image_.manifest_digest);  // stored upstream
  EXPECT_EQ(digest_at((*proxy)->host()), image_.manifest_digest);
  EXPECT_GT((*proxy)->counters().forwarded, 5u);
  EXPECT_EQ((*proxy)->counters().faults, 0u);
}

// skopeo 1.9's --retry-times does not retry an "unexpected HTTP status" on
// the manifest PUT, so the 503 surfaces; the next push gets through because
// the rule fires once.
TEST_F(FaultProxySkopeoTest, A503OnTheManifestPutReachesTheClientOnce) {
  auto proxy = FaultProxy::start(reg_->host(), "status 503 method=PUT path=/manifests/ nth=1 retry-after=1");
  ASSERT_TRUE(proxy.ok()) << proxy.error().message();
  std::vector<std::string> copy = {"copy", "--dest-tls-verify=false", image_.skopeo_ref(),
                                   "docker://" + (*proxy)->host() + "/proxy/tiny:v1"};
  auto first = skopeo(copy);
  EXPECT_FALSE(first.ok());
  EXPECT_NE(first.err.find("503"), std::string::npos) << first.describe();
  auto log = (*proxy)->fault_log();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_NE(log[0].find("action=status 503 PUT /v2/proxy/tiny/manifests/v1"), std::string::npos) << log[0];

  auto second = skopeo(copy);
  ASSERT_TRUE(second.ok()) << second.describe();
  EXPECT_EQ((*proxy)->counters().injected_status[503], 1u);
  EXPECT_EQ(digest_at(reg_->host()), image_.manifest_digest);
}

// A blob download cut after 10 bytes reaches skopeo as "unexpected EOF"
// (which skopeo 1.9 does not retry); the next pull is untouched.
TEST_F(FaultProxySkopeoTest, ADroppedBlobDownloadFailsOnePull) {
  auto push =
      skopeo({"copy", "--dest-tls-verify=false", image_.skopeo_ref(), "docker://" + reg_->host() + "/proxy/tiny:v1"});
  ASSERT_TRUE(push.ok()) << push.describe();
  auto proxy = FaultProxy::start(reg_->host(), "drop-response 10 method=GET path=/blobs/sha256: nth=1");
  ASSERT_TRUE(proxy.ok()) << proxy.error().message();
  std::string out_layout = (tmp_.path() / "pulled").string();
  std::vector<std::string> pull = {"copy", "--src-tls-verify=false", "docker://" + (*proxy)->host() + "/proxy/tiny:v1",
                                   "oci:" + out_layout + ":v1"};
  auto first = skopeo(pull);
  EXPECT_FALSE(first.ok());
  EXPECT_NE(first.err.find("unexpected EOF"), std::string::npos) << first.describe();
  auto log = (*proxy)->fault_log();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_NE(log[0].find("action=drop-response 10 GET"), std::string::npos) << log[0];
  EXPECT_NE(log[0].find("cut-after=10"), std::string::npos) << log[0];

  auto second = skopeo(pull);
  ASSERT_TRUE(second.ok()) << second.describe();
  EXPECT_TRUE(fs::exists(out_layout + "/index.json"));
}

}  // namespace
}  // namespace dl::test
