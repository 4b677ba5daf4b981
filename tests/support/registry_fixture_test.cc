// The harness itself: each auth mode starts a real registry that answers
// /v2/ the way Distribution documents, and its credentials really work.
#include "tests/support/registry_fixture.h"

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "tests/support/http_client.h"
#include "tests/support/pki.h"

namespace dl::test {
namespace {

#define REQUIRE_REGISTRY() \
  if (!registry_available()) GTEST_SKIP() << "docker-registry not installed (Debian package docker-registry)"

TEST(RegistryServerTest, PlainAnswersV2With200) {
  REQUIRE_REGISTRY();
  auto start = std::chrono::steady_clock::now();
  auto reg = RegistryServer::start(RegistryMode::plain);
  ASSERT_TRUE(reg.ok()) << reg.error().message();
  auto elapsed = std::chrono::steady_clock::now() - start;
  std::cout << "plain registry ready in " << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()
            << " ms\n";
  EXPECT_EQ(reg->host(), "127.0.0.1:" + std::to_string(reg->port()));
  EXPECT_EQ(reg->base_url(), "http://" + reg->host());
  EXPECT_TRUE(reg->username().empty());
  auto r = http_request(reg->base_url() + "/v2/");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("Docker-Distribution-API-Version"), "registry/2.0");
  auto cfg = read_file(reg->docker_config_dir() + "/config.json");
  ASSERT_TRUE(cfg.ok());
  EXPECT_EQ(nlohmann::json::parse(*cfg)["auths"].size(), 0u);
}

TEST(RegistryServerTest, PublicUrlIsUsedInLocationHeaders) {
  REQUIRE_REGISTRY();
  RegistryOptions opts;
  opts.public_url = "http://127.0.0.1:1";  // e.g. a fault proxy in front
  auto reg = RegistryServer::start(RegistryMode::plain, opts);
  ASSERT_TRUE(reg.ok()) << reg.error().message();
  HttpRequest post;
  post.method = "POST";
  auto r = http_request(reg->base_url() + "/v2/a/b/blobs/uploads/", post);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 202);
  EXPECT_EQ(r->header("Location").rfind("http://127.0.0.1:1/v2/a/b/blobs/uploads/", 0), 0u) << r->header("Location");
}

TEST(RegistryServerTest, DestructionStopsServerAndRemovesDir) {
  REQUIRE_REGISTRY();
  std::string dir, url;
  {
    auto reg = RegistryServer::start(RegistryMode::plain);
    ASSERT_TRUE(reg.ok()) << reg.error().message();
    dir = reg->dir();
    url = reg->base_url();
    EXPECT_TRUE(fs::exists(dir));
  }
  EXPECT_FALSE(fs::exists(dir));
  HttpRequest req;
  req.timeout_ms = 1000;
  EXPECT_FALSE(http_request(url + "/v2/", req).ok());
}

TEST(RegistryServerTest, HtpasswdTlsRequiresBasicAuthAndCa) {
  REQUIRE_REGISTRY();
  auto reg = RegistryServer::start(RegistryMode::htpasswd_tls);
  ASSERT_TRUE(reg.ok()) << reg.error().message();
  EXPECT_EQ(reg->base_url(), "https://" + reg->host());
  ASSERT_FALSE(reg->ca_file().empty());
  EXPECT_TRUE(fs::exists(reg->cert_dir() + "/ca.crt"));

  // Without the CA, TLS verification fails: the cert really is from our CA.
  EXPECT_FALSE(http_request(reg->base_url() + "/v2/").ok());

  HttpRequest anon;
  anon.ca_file = reg->ca_file();
  auto r = http_request(reg->base_url() + "/v2/", anon);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(r->header("WWW-Authenticate").rfind("Basic ", 0), 0u) << r->header("WWW-Authenticate");

  HttpRequest wrong = anon;
  wrong.username = reg->username();
  wrong.password = "not-the-password";
  r = http_request(reg->base_url() + "/v2/", wrong);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 401);

  HttpRequest good = anon;
  good.username = reg->username();
  good.password = reg->password();
  r = http_request(reg->base_url() + "/v2/", good);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);

  // "localhost" is in the SAN too.
  r = http_request("https://localhost:" + std::to_string(reg->port()) + "/v2/", good);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->status, 200);

  auto cfg = read_file(reg->docker_config_dir() + "/config.json");
  ASSERT_TRUE(cfg.ok());
  auto j = nlohmann::json::parse(*cfg);
  EXPECT_EQ(base64_decode(j["auths"][reg->host()]["auth"].get<std::string>()).value_or(""),
            reg->username() + ":" + reg->password());
}

std::string fetch_token(const RegistryServer& reg, const std::string& scope, bool with_creds, long* status) {
  HttpRequest req;
  if (with_creds) {
    req.username = reg.username();
    req.password = reg.password();
  }
  std::string url = reg.token_realm() + "?service=" + reg.token_service();
  if (!scope.empty()) url += "&scope=" + scope;
  auto r = http_request(url, req);
  if (!r.ok()) return "";
  *status = r->status;
  if (r->status != 200) return "";
  auto j = nlohmann::json::parse(r->body);
  EXPECT_EQ(j["token"], j["access_token"]);
  EXPECT_EQ(j["expires_in"], 300);
  EXPECT_TRUE(j.contains("issued_at"));
  return j["token"].get<std::string>();
}

TEST(RegistryServerTest, TokenModeChallengesAndAcceptsIssuedTokens) {
  REQUIRE_REGISTRY();
  auto reg = RegistryServer::start(RegistryMode::token);
  ASSERT_TRUE(reg.ok()) << reg.error().message();
  auto r = http_request(reg->base_url() + "/v2/");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 401);
  std::string challenge = r->header("WWW-Authenticate");
  EXPECT_NE(challenge.find("Bearer realm=\"" + reg->token_realm() + "\""), std::string::npos) << challenge;
  EXPECT_NE(challenge.find("service=\"" + reg->token_service() + "\""), std::string::npos) << challenge;

  long status = 0;
  std::string token = fetch_token(*reg, "", true, &status);
  ASSERT_FALSE(token.empty()) << status;
  EXPECT_EQ(reg->token_requests(), 1u);
  HttpRequest bearer;
  bearer.headers.push_back("Authorization: Bearer " + token);
  r = http_request(reg->base_url() + "/v2/", bearer);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200) << r->body;

  // A tampered signature is refused by the registry.
  // (Flip a character in the middle of the signature: the last base64url
  // character carries padding bits a lenient decoder ignores.)
  std::string bad = token;
  char& c = bad[bad.size() - 20];
  c = c == 'A' ? 'B' : 'A';
  HttpRequest forged;
  forged.headers.push_back("Authorization: Bearer " + bad);
  r = http_request(reg->base_url() + "/v2/", forged);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 401);

  // Wrong password: the token server itself refuses.
  HttpRequest wrong;
  wrong.username = reg->username();
  wrong.password = "nope";
  r = http_request(reg->token_realm() + "?service=" + reg->token_service(), wrong);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(reg->token_requests(), 2u);
}

TEST(RegistryServerTest, TokenScopesGrantPushOnlyToTheUser) {
  REQUIRE_REGISTRY();
  auto reg = RegistryServer::start(RegistryMode::token);
  ASSERT_TRUE(reg.ok()) << reg.error().message();
  const std::string scope = "repository:team/app:pull,push";
  long status = 0;
  std::string user_token = fetch_token(*reg, scope, true, &status);
  std::string anon_token = fetch_token(*reg, scope, false, &status);
  ASSERT_FALSE(user_token.empty());
  ASSERT_FALSE(anon_token.empty());

  // Starting an upload needs push.
  HttpRequest post;
  post.method = "POST";
  post.headers.push_back("Authorization: Bearer " + user_token);
  auto r = http_request(reg->base_url() + "/v2/team/app/blobs/uploads/", post);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 202) << r->body;

  post.headers = {"Authorization: Bearer " + anon_token};
  r = http_request(reg->base_url() + "/v2/team/app/blobs/uploads/", post);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 401) << r->body;

  // Anonymous pull is allowed (the tag does not exist: 404, not 401).
  HttpRequest get;
  get.headers.push_back("Authorization: Bearer " + anon_token);
  r = http_request(reg->base_url() + "/v2/team/app/manifests/latest", get);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 404) << r->body;
}

}  // namespace
}  // namespace dl::test
