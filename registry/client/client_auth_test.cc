// Push, mount and pull in the two authenticated registry modes.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "base/base64.h"
#include "base/fs.h"

#include "registry/client/client.h"
#include "registry/client/test_image_test_util.h"
#include "tests/support/registry_fixture.h"

namespace dl::registry {
namespace {

void push_pull_roundtrip(test::RegistryMode mode) {
  if (!test::registry_available()) GTEST_SKIP() << "docker-registry not installed (Debian package docker-registry)";
  auto reg = test::RegistryServer::start(mode);
  ASSERT_TRUE(reg.ok()) << reg.error().message();
  net::TransportOptions t;
  t.ca_file = reg->ca_file();
  HttpClient http(t);
  auto creds = CredentialStore::load(reg->docker_config_dir() + "/config.json");
  ASSERT_TRUE(creds.ok());
  Authenticator auth(http, *creds);
  HostConfig hosts;
  if (reg->scheme() == "http") {
    ASSERT_TRUE(hosts.add_plain_http(reg->host()).ok());
  }
  ClientOptions o;
  o.jobs = 2;
  RegistryClient c(auth, hosts, o);
  auto img = testing::make_image("secured\n", true);
  Reference r = *parse_reference(reg->host() + "/team/app:v1");
  ASSERT_TRUE(c.push_blobs(r, img.blobs()).ok());
  auto d = c.put_manifest(r, img.media_type, img.manifest);
  ASSERT_TRUE(d.ok()) << d.error().message();
  Reference other = *parse_reference(reg->host() + "/team/copy:v1");
  ASSERT_TRUE(c.push_blobs(other, img.blobs(), "team/app").ok());
  EXPECT_EQ(c.stats().blobs_mounted, 2u);
  ASSERT_TRUE(c.put_manifest(other, img.media_type, img.manifest).ok());
  auto m = c.get_manifest(other);
  ASSERT_TRUE(m.ok()) << m.error().message();
  EXPECT_EQ(m->digest, *d);
  auto layer = c.fetch_blob_bytes(other, img.layer->digest());
  ASSERT_TRUE(layer.ok());
  EXPECT_EQ(Digest::of(*layer), img.layer->digest());
  auto tags = c.list_tags(r);
  ASSERT_TRUE(tags.ok()) << tags.error().message();
  EXPECT_EQ(*tags, std::vector<std::string>{"v1"});
  if (mode == test::RegistryMode::token) {
    // One token per scope set, not one per request.
    EXPECT_LE(reg->token_requests(), 6u);
    EXPECT_EQ(static_cast<uint64_t>(auth.token_fetches()), reg->token_requests());
  }
}

// The preflight of `build --push`: a wrong password or a repository the
// credentials may not push to fails at once, naming the repository.
TEST(ClientAuth, CheckPushNamesTheRepositoryOnAWrongPasswordOrNoPermission) {
  if (!test::registry_available()) GTEST_SKIP() << "docker-registry not installed (Debian package docker-registry)";
  auto reg = test::RegistryServer::start(test::RegistryMode::token);
  ASSERT_TRUE(reg.ok()) << reg.error().message();
  HostConfig hosts;
  ASSERT_TRUE(hosts.add_plain_http(reg->host()).ok());
  Reference repo = *parse_reference(reg->host() + "/team/app");
  auto check = [&](CredentialStore creds) {
    HttpClient http;
    Authenticator auth(http, std::move(creds));
    RegistryClient c(auth, hosts);
    auto t0 = std::chrono::steady_clock::now();
    Status st = c.check_push(repo);
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 5.0);
    return st;
  };
  auto good = CredentialStore::load(reg->docker_config_dir() + "/config.json");
  ASSERT_TRUE(good.ok());
  Status ok = check(*good);
  EXPECT_TRUE(ok.ok()) << ok.error().message();

  Status anonymous = check(CredentialStore());
  ASSERT_FALSE(anonymous.ok());
  EXPECT_NE(anonymous.error().message().find("cannot push to " + repo.name()), std::string::npos)
      << anonymous.error().message();
  EXPECT_NE(anonymous.error().message().find("no push permission"), std::string::npos) << anonymous.error().message();

  TempDir tmp;
  const std::string wrong = "Wr0ng-Passw0rd-For-Preflight";
  auto path = tmp.path() / "config.json";
  ASSERT_TRUE(write_file_atomic(path, "{\"auths\":{\"" + reg->host() + "\":{\"auth\":\"" +
                                          base64_encode(reg->username() + ":" + wrong) + "\"}}}")
                  .ok());
  auto bad = CredentialStore::load(path.string());
  ASSERT_TRUE(bad.ok()) << bad.error().message();
  Status denied = check(*bad);
  ASSERT_FALSE(denied.ok());
  const std::string& msg = denied.error().message();
  EXPECT_NE(msg.find("cannot push to " + repo.name()), std::string::npos) << msg;
  EXPECT_NE(msg.find("401"), std::string::npos) << msg;
  EXPECT_EQ(msg.find(wrong), std::string::npos) << "the password leaked: " << msg;
}

// A token the registry stops accepting in the middle of a chunked upload
// (it expired sooner than the token server said): the 401 on the next
// chunk is answered with a fresh token, that chunk is sent again, and the
// blob completes with the digest it should have.
TEST(ClientAuth, ATokenRefusedMidUploadIsRefreshedAndTheUploadGoesOn) {
  ASSERT_TRUE(test::registry_available()) << "docker-registry not installed (ci/deps.sh)";
  // Distribution accepts a token up to 60 s past its exp: issued 57 s
  // "expired", it works for 3 s. The response's expires_in is not positive,
  // so the client assumes 60 s and keeps using it.
  test::RegistryOptions ro;
  ro.token_ttl_seconds = -57;
  auto reg = test::RegistryServer::start(test::RegistryMode::token, ro);
  ASSERT_TRUE(reg.ok()) << reg.error().message();
  HostConfig hosts;
  ASSERT_TRUE(hosts.add_plain_http(reg->host()).ok());
  auto creds = CredentialStore::load(reg->docker_config_dir() + "/config.json");
  ASSERT_TRUE(creds.ok());
  HttpClient http;
  Authenticator auth(http, *creds);
  RegistryClient c(auth, hosts);
  Reference repo = *parse_reference(reg->host() + "/team/refresh");
  std::string bytes(192 << 10, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = char((i * 7919) >> 5);
  auto blob = memory_blob(bytes);
  auto session = c.start_upload(repo);
  ASSERT_TRUE(session.ok()) << session.error().message();
  ASSERT_TRUE(session->has_value());
  UploadSession up = **session;
  ASSERT_TRUE(c.upload_chunk(repo, up, *blob, 64 << 10).ok());
  EXPECT_EQ(auth.token_fetches(), 1);
  std::this_thread::sleep_for(std::chrono::seconds(4));  // the registry now refuses the token
  Status next = c.upload_chunk(repo, up, *blob, 64 << 10);
  ASSERT_TRUE(next.ok()) << next.error().message();
  EXPECT_EQ(auth.token_fetches(), 2) << "the 401 mid-upload was answered with one fresh token";
  std::this_thread::sleep_for(std::chrono::seconds(4));
  Status done = c.finish_upload(repo, up, *blob);
  ASSERT_TRUE(done.ok()) << done.error().message();
  EXPECT_EQ(auth.token_fetches(), 3);
  auto size = c.blob_exists(repo, blob->digest(), true);
  ASSERT_TRUE(size.ok()) << size.error().message();
  ASSERT_TRUE(size->has_value());
  EXPECT_EQ(**size, bytes.size());
}

TEST(ClientAuth, HtpasswdTls) { push_pull_roundtrip(test::RegistryMode::htpasswd_tls); }
TEST(ClientAuth, TokenServer) { push_pull_roundtrip(test::RegistryMode::token); }

}  // namespace
}  // namespace dl::registry
