// The client through the harness's fault proxy: injected 503/429, broken
// connections mid-upload and mid-download, and a 413 body limit.
#include <gtest/gtest.h>

#include "net/fake_clock_test_util.h"
#include "registry/client/client.h"
#include "registry/client/test_image_test_util.h"
#include "tests/support/fault_proxy.h"
#include "tests/support/registry_fixture.h"
#include "tests/support/registry_test.h"

namespace dl::registry {

using net::FakeClock;
using net::HttpClient;
using net::Millis;
using net::TransportOptions;
namespace {

using testing::noise;

class ClientFaults : public test::PlainRegistryTest {
 protected:
  void SetUp() override {
    test::PlainRegistryTest::SetUp();
    if (setup_stopped()) return;
  }

  // Starts the proxy with `schedule` and a client that talks through it.
  void through(std::string_view schedule, ClientOptions o = {}) {
    auto p = test::FaultProxy::start(reg_->host(), schedule);
    ASSERT_TRUE(p.ok()) << p.error().message();
    proxy_ = std::move(*p);
    ASSERT_TRUE(hosts_.add_plain_http(proxy_->host()).ok());
    http_ = std::make_unique<HttpClient>(TransportOptions{}, clock_);
    auth_ = std::make_unique<Authenticator>(*http_, CredentialStore());
    client_ = std::make_unique<RegistryClient>(*auth_, hosts_, o);
  }
  Reference ref(const std::string& repo) { return *parse_reference(proxy_->host() + "/" + repo); }
  // True when the registry serves exactly `data` (no blob dumps on failure).
  bool serves(const std::string& repo, const Digest& d, const std::string& data) {
    auto b = client_->fetch_blob_bytes(ref(repo), d);
    EXPECT_TRUE(b.ok()) << b.error().message();
    return b.ok() && *b == data;
  }

  std::unique_ptr<test::FaultProxy> proxy_;
  std::shared_ptr<FakeClock> clock_ = std::make_shared<FakeClock>();
  HostConfig hosts_;
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<Authenticator> auth_;
  std::unique_ptr<RegistryClient> client_;
};

TEST_F(ClientFaults, TransientStatusesAreRetried) {
  through(
      "status 503 method=HEAD nth=1 retry-after=1\n"
      "status 429 method=POST nth=1 retry-after=2\n"
      "status 502 method=PUT path=/manifests/ nth=1");
  auto img = testing::make_image("retry\n", true);
  Reference r = ref("demo/retry:v1");
  ASSERT_TRUE(client_->push_blobs(r, img.blobs()).ok());
  auto d = client_->put_manifest(r, img.media_type, img.manifest);
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(proxy_->counters().faults, 3u);
  auto sleeps = clock_->sleeps();
  EXPECT_TRUE(std::count(sleeps.begin(), sleeps.end(), Millis(2000)) >= 1 ||
              std::any_of(sleeps.begin(), sleeps.end(), [](Millis m) { return m >= Millis(2000); }));
  EXPECT_EQ(client_->get_manifest(r)->bytes, img.manifest);
}

TEST_F(ClientFaults, FailedChunkIsResumedFromTheRegistryOffsetNotRestarted) {
  ClientOptions o;
  o.chunk_size = 1000;
  // The proxy swallows the second chunk and answers 503: the registry never
  // saw it, so asking it for its offset (GET, Range) gives a clean resume.
  through("status 503 method=PATCH nth=2", o);
  std::string data = noise(5000, 7);
  auto blob = memory_blob(data);
  ASSERT_TRUE(client_->push_blob(ref("demo/resume"), *blob).ok());
  EXPECT_EQ(proxy_->counters().faults, 1u);
  EXPECT_EQ(client_->stats().resumes, 1u);
  EXPECT_EQ(client_->stats().restarts, 0u);
  EXPECT_EQ(client_->stats().bytes_uploaded, 5000u) << "only the lost chunk is sent again";
  EXPECT_TRUE(serves("demo/resume", blob->digest(), data));
}

TEST_F(ClientFaults, ChunkCutMidBodyStillCompletes) {
  // Distribution cancels a session whose byte count no longer matches its
  // state, so after a cut mid-body the client has to start a new session.
  ClientOptions o;
  o.chunk_size = 2000;
  through("drop-request 500 method=PATCH nth=2", o);
  std::string data = noise(7000, 8);
  auto blob = memory_blob(data);
  auto st = client_->push_blob(ref("demo/cut"), *blob);
  ASSERT_TRUE(st.ok()) << st.error().message();
  EXPECT_EQ(proxy_->counters().faults, 1u);
  EXPECT_GE(client_->stats().resumes + client_->stats().restarts, 1u);
  EXPECT_TRUE(serves("demo/cut", blob->digest(), data));
}

TEST_F(ClientFaults, FailedMonolithicPutResumesFromRegistryOffset) {
  through("status 500 method=PUT path=/blobs/uploads/ nth=1");
  std::string data = noise(300000, 9);
  auto blob = memory_blob(data);
  ASSERT_TRUE(client_->push_blob(ref("demo/mono"), *blob).ok());
  EXPECT_EQ(proxy_->counters().faults, 1u);
  EXPECT_EQ(client_->stats().resumes, 1u);
  EXPECT_TRUE(serves("demo/mono", blob->digest(), data));
}

TEST_F(ClientFaults, PayloadTooLargeFallsBackToChunks) {
  ClientOptions o;
  o.fallback_chunk_size = 3000;
  through("max-body 4000 method=PUT|PATCH", o);
  std::string data = noise(10000, 10);
  auto blob = memory_blob(data);
  ASSERT_TRUE(client_->push_blob(ref("demo/big"), *blob).ok());
  EXPECT_EQ(client_->stats().chunks, 4u);  // 3000 * 3 + 1000
  EXPECT_EQ(proxy_->counters().injected_status[413], 1u);
  EXPECT_TRUE(serves("demo/big", blob->digest(), data));
}

TEST_F(ClientFaults, BrokenDownloadContinuesWithRange) {
  through("drop-response 20000 method=GET path=/blobs/sha256 nth=1");
  std::string data = noise(100000, 11);
  auto blob = memory_blob(data);
  ASSERT_TRUE(client_->push_blob(ref("demo/get"), *blob).ok());
  EXPECT_TRUE(serves("demo/get", blob->digest(), data));
  EXPECT_EQ(proxy_->counters().faults, 1u);
  EXPECT_EQ(client_->stats().bytes_downloaded, 100000u) << "the first 20000 bytes are not fetched twice";
}

TEST_F(ClientFaults, PermanentErrorsAreNotRetried) {
  through("status 400 method=POST count=all");
  auto blob = memory_blob("x");
  auto st = client_->push_blob(ref("demo/perm"), *blob);
  ASSERT_FALSE(st.ok());
  EXPECT_FALSE(st.error().is_temporary());
  EXPECT_EQ(st.error().status(), 400);
  EXPECT_EQ(proxy_->counters().faults, 1u);
  EXPECT_NE(st.error().message().find("pushing blob " + blob->digest().str()), std::string::npos)
      << st.error().message();
}

}  // namespace
}  // namespace dl::registry
