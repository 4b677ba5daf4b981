// The client against hostile registries: endless and looping tag
// pagination, a registry that answers 201 and stores nothing, upload
// Locations on another host or with another scheme.
#include <gtest/gtest.h>

#include <atomic>

#include "registry/client/client.h"
#include "registry/client/test_image_test_util.h"
#include "tests/support/hostile_server.h"

namespace dl::registry {
namespace {

using test::CannedReply;
using test::HostileServer;
using test::SeenRequest;

struct Rig {
  net::HttpClient http;
  Authenticator auth;
  HostConfig hosts;
  std::unique_ptr<RegistryClient> client;
  Rig(const std::string& host, ClientOptions o = {}, CredentialStore creds = {})
      : http(options()), auth(http, std::move(creds)) {
    EXPECT_TRUE(hosts.add_plain_http(host).ok());
    client = std::make_unique<RegistryClient>(auth, hosts, o);
  }
  static net::TransportOptions options() {
    net::TransportOptions t;
    t.retry.max_attempts = 1;
    t.retry.base_delay = net::Millis(1);
    t.proxy = {};
    return t;
  }
};

TEST(HostileRegistry, EndlessTagPaginationIsBounded) {
  HostileServer reg(test::endless_tag_pages(false));
  ClientOptions o;
  o.max_tag_pages = 20;
  Rig rig(reg.host(), o);
  auto tags = rig.client->list_tags(*parse_reference(reg.host() + "/x:latest"));
  ASSERT_FALSE(tags.ok());
  EXPECT_EQ(tags.error().message(),
            "listing tags of " + reg.host() + "/x: more than 20 pages (the registry's Link pagination does not end)");
  EXPECT_LE(reg.requests().size(), 22u);

  ClientOptions few;
  few.max_tags = 5;
  Rig rig2(reg.host(), few);
  auto capped = rig2.client->list_tags(*parse_reference(reg.host() + "/x:latest"));
  ASSERT_FALSE(capped.ok());
  EXPECT_NE(capped.error().message().find("more than 5 tags"), std::string::npos) << capped.error().message();
}

TEST(HostileRegistry, LinkLoopIsDetected) {
  HostileServer reg(test::endless_tag_pages(true));
  Rig rig(reg.host());
  auto tags = rig.client->list_tags(*parse_reference(reg.host() + "/x:latest"));
  ASSERT_FALSE(tags.ok());
  EXPECT_NE(tags.error().message().find("a pagination loop"), std::string::npos) << tags.error().message();
  EXPECT_LE(reg.requests().size(), 6u);
}

TEST(HostileRegistry, DeeplyNestedOrHugeJsonIsRefused) {
  HostileServer reg([](const SeenRequest& r) -> CannedReply {
    if (r.path() == "/v2/") return {200, {}, "{}"};
    if (r.path().find("/tags/") != std::string::npos)
      return {200, {}, "{\"tags\":" + std::string(10000, '[') + std::string(10000, ']') + "}"};
    return {
        200, {{"Content-Type", media::kOciManifest}}, "{\"a\":" + std::string(100, '[') + std::string(100, ']') + "}"};
  });
  Rig rig(reg.host());
  auto tags = rig.client->list_tags(*parse_reference(reg.host() + "/x:latest"));
  ASSERT_FALSE(tags.ok());
  EXPECT_NE(tags.error().message().find("nested deeper than the limit of 8 levels"), std::string::npos)
      << tags.error().message();
  auto m = rig.client->get_manifest(*parse_reference(reg.host() + "/x:latest"));
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message().find("nested deeper"), std::string::npos) << m.error().message();
}

TEST(HostileRegistry, A201ThatStoresNothingIsNotAPush) {
  HostileServer reg(test::registry_that_stores_nothing());
  ClientOptions o;
  o.max_resumes = 1;
  Rig rig(reg.host(), o);
  auto img = testing::make_image("lost\n", true);
  Reference r = *parse_reference(reg.host() + "/x:v1");
  Status st = rig.client->push_blobs(r, img.blobs());
  ASSERT_FALSE(st.ok()) << "a registry that stores nothing passed for one that stored the blobs";
  EXPECT_NE(st.error().message().find("does not have it afterwards"), std::string::npos) << st.error().message();
}

// A registry that has just confirmed the blobs may still refuse the
// manifest naming them for a moment (Distribution's link rewrite, S3's
// eventual consistency): the client tries twice more, and no more.
TEST(HostileRegistry, ManifestBlobUnknownRightAfterTheBlobsIsTriedTwiceMore) {
  std::atomic<int> refusals_left{2};
  auto handler = [&refusals_left](const SeenRequest& r) -> CannedReply {
    if (r.path() == "/v2/") return {200, {}, "{}"};
    if (r.method == "PUT" && r.path().find("/manifests/") != std::string::npos) {
      if (refusals_left-- > 0)
        return {400,
                {{"Content-Type", "application/json"}},
                R"({"errors":[{"code":"MANIFEST_BLOB_UNKNOWN","message":"blob unknown to registry"}]})"};
      return {201, {}, ""};
    }
    return {404, {}, ""};
  };
  HostileServer reg(handler);
  Rig rig(reg.host());
  auto img = testing::make_image("settle\n", true);
  Reference r = *parse_reference(reg.host() + "/x:v1");
  auto d = rig.client->put_manifest(r, img.media_type, img.manifest);
  ASSERT_TRUE(d.ok()) << d.error().message();
  auto puts = [&reg] {
    size_t n = 0;
    for (auto& q : reg.requests()) n += q.method == "PUT";
    return n;
  };
  EXPECT_EQ(puts(), 3u);

  refusals_left = 100;  // a registry that really lacks the blob
  auto bad = rig.client->put_manifest(r, img.media_type, img.manifest);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("MANIFEST_BLOB_UNKNOWN"), std::string::npos) << bad.error().message();
  EXPECT_EQ(puts(), 6u) << "three tries, then the error";
}

TEST(HostileRegistry, UploadLocationWithAnotherSchemeIsRefused) {
  HostileServer reg([](const SeenRequest& r) -> CannedReply {
    if (r.path() == "/v2/") return {200, {}, "{}"};
    if (r.method == "HEAD") return {404, {}, ""};
    return {202, {{"Location", "file:///etc/passwd"}}, ""};
  });
  Rig rig(reg.host());
  auto img = testing::make_image("x\n", true);
  Status st = rig.client->push_blob(*parse_reference(reg.host() + "/x:v1"), *img.layer);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("upload Location is a file:// URL"), std::string::npos) << st.error().message();
}

TEST(HostileRegistry, UploadLocationOnAnotherHostGetsNoCredentials) {
  HostileServer storage([](const SeenRequest& r) -> CannedReply {
    if (r.method == "PUT") return {201, {}, ""};
    return {202, {{"Range", "0-0"}}, ""};
  });
  HostileServer reg([&storage](const SeenRequest& r) -> CannedReply {
    if (r.header("Authorization").empty()) return {401, {{"WWW-Authenticate", "Basic realm=\"r\""}}, ""};
    if (r.path() == "/v2/") return {200, {}, "{}"};
    if (r.method == "HEAD") return {404, {}, ""};
    return {202, {{"Location", storage.url() + "/upload/u1"}}, ""};
  });
  CredentialStore creds;
  creds.set(reg.host(), Credential{"alice", "hunter2", ""});
  auto img = testing::make_image("y\n", true);
  ClientOptions once;
  once.max_resumes = 0;
  Rig rig1(reg.host(), once, creds);
  Status st = rig1.client->push_blob(*parse_reference(reg.host() + "/x:v1"), *img.layer);
  ASSERT_FALSE(st.ok()) << "the blob never appears on the registry, so the push must fail";
  ASSERT_FALSE(storage.requests().empty());
  for (auto& s : storage.requests())
    EXPECT_EQ(s.header("Authorization"), "") << "credentials reached " << storage.host();
  bool registry_got_credentials = false;
  for (auto& s : reg.requests()) registry_got_credentials |= !s.header("Authorization").empty();
  EXPECT_TRUE(registry_got_credentials);
}

}  // namespace
}  // namespace dl::registry
