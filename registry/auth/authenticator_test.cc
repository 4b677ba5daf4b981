// Authentication against real registries: htpasswd over TLS (basic) and a
// token server (bearer), with credentials from a Docker config.json.
#include "registry/auth/authenticator.h"

#include <gtest/gtest.h>

#include "base/base64.h"
#include "net/fake_clock_test_util.h"
#include "tests/support/registry_fixture.h"

namespace dl::registry {

using net::FakeClock;
using net::http_error;
using net::HttpClient;
using net::Request;
using net::Response;
using net::TransportOptions;
namespace {

#define REQUIRE_REGISTRY() \
  if (!test::registry_available()) GTEST_SKIP() << "docker-registry not installed (Debian package docker-registry)"

struct Rig {
  std::unique_ptr<test::RegistryServer> reg;
  std::vector<std::string> log;
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
  std::unique_ptr<HttpClient> http;
  std::unique_ptr<Authenticator> auth;

  static std::unique_ptr<Rig> start(test::RegistryMode mode, const std::string& password_override = "") {
    auto rig = std::make_unique<Rig>();
    auto reg = test::RegistryServer::start(mode);
    EXPECT_TRUE(reg.ok()) << reg.error().message();
    if (!reg.ok()) return nullptr;
    rig->reg = std::make_unique<test::RegistryServer>(std::move(*reg));
    TransportOptions opts;
    opts.ca_file = rig->reg->ca_file();
    opts.log = [r = rig.get()](const std::string& l) { r->log.push_back(l); };
    rig->http = std::make_unique<HttpClient>(opts, rig->clock);
    auto store = CredentialStore::load(rig->reg->docker_config_dir() + "/config.json");
    EXPECT_TRUE(store.ok()) << store.error().message();
    if (!password_override.empty())
      store->set(rig->reg->host(), Credential{rig->reg->username(), password_override, ""});
    rig->auth = std::make_unique<Authenticator>(*rig->http, *store);
    return rig;
  }

  Result<Response> get(const std::string& path, const std::vector<std::string>& scopes) {
    Request req;
    req.url = reg->base_url() + path;
    return auth->send(reg->host(), req, scopes);
  }
  Result<Response> post_upload(const std::string& repo) {
    Request req;
    req.method = "POST";
    req.url = reg->base_url() + "/v2/" + repo + "/blobs/uploads/";
    return auth->send(reg->host(), req, {push_scope(repo)});
  }

  // Every place a secret could leak to: error text and log lines.
  void expect_no_secret(const std::string& text, const std::string& password) {
    std::string b64 = base64_encode(reg->username() + ":" + password);
    EXPECT_EQ(text.find(password), std::string::npos) << text;
    EXPECT_EQ(text.find(b64), std::string::npos) << text;
    for (const auto& l : log) {
      EXPECT_EQ(l.find(password), std::string::npos) << l;
      EXPECT_EQ(l.find(b64), std::string::npos) << l;
      EXPECT_EQ(l.find("Authorization"), std::string::npos) << l;
    }
  }
};

TEST(AuthBasic, HtpasswdOverTlsWithConfigCredentials) {
  REQUIRE_REGISTRY();
  auto rig = Rig::start(test::RegistryMode::htpasswd_tls);
  ASSERT_TRUE(rig);
  auto r = rig->get("/v2/_catalog", {});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->status, 200) << r->body;
  auto up = rig->post_upload("team/app");
  ASSERT_TRUE(up.ok());
  EXPECT_EQ(up->status, 202);
  // The first (bodyless) request was the ping: one 401, no GET /v2/.
  size_t pings = 0, unauthorized = 0;
  for (const auto& l : rig->log) {
    if (l.find("GET " + rig->reg->base_url() + "/v2/ ") == 0) ++pings;
    if (l.ends_with("-> 401")) ++unauthorized;
  }
  EXPECT_EQ(pings, 0u) << "a bodyless first request needs no separate ping";
  EXPECT_EQ(unauthorized, 1u) << "the challenge is learned once per origin";
  EXPECT_EQ(rig->auth->token_fetches(), 0);
}

TEST(AuthBasic, WrongPasswordFailsWithoutLeakingIt) {
  REQUIRE_REGISTRY();
  const std::string wrong = "Wr0ng-Pa55word-xyz";
  auto rig = Rig::start(test::RegistryMode::htpasswd_tls, wrong);
  ASSERT_TRUE(rig);
  auto r = rig->get("/v2/_catalog", {});
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(r->status, 401);
  Error e = http_error("GET", r->url, *r);
  EXPECT_EQ(e.status(), 401);
  EXPECT_NE(e.message().find("401 Unauthorized"), std::string::npos) << e.message();
  rig->expect_no_secret(e.message(), wrong);
}

TEST(AuthBasic, NoCredentialsIsAClearError) {
  REQUIRE_REGISTRY();
  auto reg = test::RegistryServer::start(test::RegistryMode::htpasswd_tls);
  ASSERT_TRUE(reg.ok());
  TransportOptions opts;
  opts.ca_file = reg->ca_file();
  HttpClient http(opts);
  Authenticator auth(http, CredentialStore());
  Request req;
  req.url = reg->base_url() + "/v2/_catalog";
  auto r = auth.send(reg->host(), req, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("requires basic authentication"), std::string::npos) << r.error().message();
}

TEST(AuthBasic, TlsWithoutTheCaIsRefused) {
  REQUIRE_REGISTRY();
  auto reg = test::RegistryServer::start(test::RegistryMode::htpasswd_tls);
  ASSERT_TRUE(reg.ok());
  TransportOptions opts;
  opts.retry.max_attempts = 1;
  HttpClient http(opts);
  Authenticator auth(http, CredentialStore());
  Request req;
  req.url = reg->base_url() + "/v2/";
  auto r = auth.send(reg->host(), req, {});
  ASSERT_FALSE(r.ok());
  EXPECT_FALSE(r.error().is_temporary()) << r.error().message();
  // --tls-verify=false equivalent.
  opts.tls_verify = false;
  HttpClient insecure(opts);
  auto plain = insecure.send(req);
  ASSERT_TRUE(plain.ok()) << plain.error().message();
  EXPECT_EQ(plain->status, 401);
}

TEST(AuthToken, TokensCachedPerScopeSetAndRenewedAfterExpiry) {
  REQUIRE_REGISTRY();
  auto rig = Rig::start(test::RegistryMode::token);
  ASSERT_TRUE(rig);
  for (int i = 0; i < 3; ++i) {
    auto up = rig->post_upload("team/app");
    ASSERT_TRUE(up.ok()) << up.error().message();
    EXPECT_EQ(up->status, 202) << up->body;
  }
  EXPECT_EQ(rig->auth->token_fetches(), 1);
  EXPECT_EQ(rig->reg->token_requests(), 1u);
  // Another scope set is another token.
  auto tags = rig->get("/v2/team/app/tags/list", {pull_scope("team/app")});
  ASSERT_TRUE(tags.ok());
  EXPECT_EQ(tags->status, 404);  // NAME_UNKNOWN: authorised, nothing pushed yet
  EXPECT_EQ(rig->auth->token_fetches(), 2);
  // Token TTL is 300 s: after 5 minutes a new one is fetched.
  rig->clock->sleep_for(std::chrono::minutes(5));
  auto again = rig->post_upload("team/app");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->status, 202);
  EXPECT_EQ(rig->auth->token_fetches(), 3);
}

TEST(AuthToken, AnonymousMayPullButNotPush) {
  REQUIRE_REGISTRY();
  auto reg = test::RegistryServer::start(test::RegistryMode::token);
  ASSERT_TRUE(reg.ok());
  HttpClient http;
  Authenticator auth(http, CredentialStore());
  Request get;
  get.url = reg->base_url() + "/v2/team/app/tags/list";
  auto r = auth.send(reg->host(), get, {pull_scope("team/app")});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->status, 404);
  Request post;
  post.method = "POST";
  post.url = reg->base_url() + "/v2/team/app/blobs/uploads/";
  auto p = auth.send(reg->host(), post, {push_scope("team/app")});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->status, 401);
}

TEST(AuthToken, WrongPasswordFailsAtTheTokenServerWithoutLeakingIt) {
  REQUIRE_REGISTRY();
  const std::string wrong = "An0ther-Wr0ng-Secret";
  auto rig = Rig::start(test::RegistryMode::token, wrong);
  ASSERT_TRUE(rig);
  auto r = rig->post_upload("team/app");
  ASSERT_FALSE(r.ok());
  const std::string& msg = r.error().message();
  EXPECT_NE(msg.find("authenticating as '" + rig->reg->username() + "'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("401"), std::string::npos) << msg;
  rig->expect_no_secret(msg, wrong);
}

}  // namespace
}  // namespace dl::registry
