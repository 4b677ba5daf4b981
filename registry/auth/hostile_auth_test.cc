// Credentials stay with the registry's own host:port: a redirect target or
// an upload Location on another host gets none, a 401 from another host is
// an error naming it, and token realms get basic credentials only over https
// (loopback and --insecure-realm excepted).
#include <gtest/gtest.h>

#include "base/base64.h"
#include "registry/auth/authenticator.h"
#include "tests/support/hostile_server.h"

namespace dl::registry {
namespace {

using test::CannedReply;
using test::HostileServer;
using test::SeenRequest;

net::TransportOptions quick() {
  net::TransportOptions t;
  t.retry.max_attempts = 1;
  t.proxy = {};
  return t;
}

const std::string kBasic = "Basic " + base64_encode("alice:hunter2");

// A registry that wants basic credentials and sends blob GETs to `cdn`.
HostileServer::Handler basic_registry_redirecting_to(std::string cdn) {
  return [cdn](const SeenRequest& r) -> CannedReply {
    if (r.header("Authorization") != kBasic) return {401, {{"WWW-Authenticate", "Basic realm=\"r\""}}, ""};
    if (r.path() == "/v2/") return {200, {}, "{}"};
    return {307, {{"Location", cdn + "/blob?sig=s"}}, ""};
  };
}

Credential alice() { return Credential{"alice", "hunter2", ""}; }

TEST(HostileAuth, ACdnThatChallengesGetsNoCredentialsAndIsAnError) {
  HostileServer cdn([](const SeenRequest&) {
    return CannedReply{401, {{"WWW-Authenticate", "Basic realm=\"give me your password\""}}, ""};
  });
  HostileServer reg(basic_registry_redirecting_to(cdn.url()));
  net::HttpClient http(quick());
  CredentialStore creds;
  creds.set(reg.host(), alice());
  Authenticator auth(http, creds);
  net::Request get;
  get.url = reg.url() + "/v2/team/app/blobs/sha256:1";
  auto r = auth.send(reg.host(), get, {pull_scope("team/app")});
  ASSERT_FALSE(r.ok()) << "a 401 from the CDN was treated as the registry's challenge";
  EXPECT_NE(r.error().message().find(cdn.host() + " answered 401"), std::string::npos) << r.error().message();
  EXPECT_NE(r.error().message().find("never to another host"), std::string::npos) << r.error().message();
  ASSERT_FALSE(cdn.requests().empty());
  for (auto& seen : cdn.requests()) EXPECT_EQ(seen.header("Authorization"), "") << "credentials reached the CDN";
  EXPECT_EQ(cdn.requests().size(), 1u) << "the CDN's challenge was answered";
  // The only request without credentials is the first, bodyless one: the
  // ping that learnt the challenge.
  size_t anonymous = 0;
  for (auto& seen : reg.requests()) {
    if (seen.header("Authorization").empty())
      ++anonymous;
    else
      EXPECT_EQ(seen.header("Authorization"), kBasic);
  }
  EXPECT_LE(anonymous, 1u);
}

TEST(HostileAuth, ARequestToAnotherHostCarriesNoCredentials) {
  HostileServer storage([](const SeenRequest& r) -> CannedReply {
    if (!r.header("Authorization").empty()) return {200, {}, "leaked"};
    return {401, {{"WWW-Authenticate", "Basic realm=\"x\""}}, ""};
  });
  HostileServer reg(basic_registry_redirecting_to(storage.url()));
  net::HttpClient http(quick());
  CredentialStore creds;
  creds.set(reg.host(), alice());
  creds.set(storage.host(), Credential{"mallory", "stolen", ""});
  Authenticator auth(http, creds);
  // E.g. an upload Location the registry pointed at another host:port.
  net::Request put;
  put.method = "PUT";
  put.url = storage.url() + "/upload/u1?digest=sha256:1";
  put.body = "bytes";
  auto r = auth.send(reg.host(), put, {push_scope("team/app")}, {}, reg.url());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find(storage.host() + " answered 401"), std::string::npos) << r.error().message();
  for (auto& seen : storage.requests()) EXPECT_EQ(seen.header("Authorization"), "");
  EXPECT_TRUE(reg.requests().empty()) << "nothing for the registry was needed";
}

// A registry whose bearer challenge names `realm`.
HostileServer::Handler bearer_registry(std::string realm) {
  return [realm](const SeenRequest& r) -> CannedReply {
    if (r.header("Authorization").rfind("Bearer ", 0) == 0) return {200, {}, "{}"};
    return {401, {{"WWW-Authenticate", "Bearer realm=\"" + realm + "\",service=\"s\""}}, ""};
  };
}

TEST(HostileAuth, BasicCredentialsGoToAPlainHttpRealmOnlyWhenAllowed) {
  HostileServer reg(bearer_registry("http://auth.example.invalid/token"));
  net::HttpClient http(quick());
  CredentialStore creds;
  creds.set(reg.host(), alice());
  Authenticator auth(http, creds);
  net::Request get;
  get.url = reg.url() + "/v2/team/app/tags/list";
  auto r = auth.send(reg.host(), get, {pull_scope("team/app")});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("credentials go to a token realm only over https"), std::string::npos)
      << r.error().message();
  EXPECT_NE(r.error().message().find("--insecure-realm auth.example.invalid"), std::string::npos);
  EXPECT_EQ(r.error().message().find("hunter2"), std::string::npos);
  // Allowed explicitly: the realm is contacted (and, here, does not resolve).
  Authenticator allowed(http, creds);
  allowed.allow_insecure_realm("auth.example.invalid");
  auto r2 = allowed.send(reg.host(), get, {pull_scope("team/app")});
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.error().message().find("only over https"), std::string::npos) << r2.error().message();
}

TEST(HostileAuth, ARealmOnAnotherLoopbackHostWorksAndNonHttpRealmsAreRefused) {
  HostileServer realm([](const SeenRequest&) {
    return CannedReply{200, {{"Content-Type", "application/json"}}, R"({"token":"t1","expires_in":300})"};
  });
  HostileServer reg(bearer_registry(realm.url() + "/token"));
  net::HttpClient http(quick());
  CredentialStore creds;
  creds.set(reg.host(), alice());
  Authenticator auth(http, creds);
  net::Request get;
  get.url = reg.url() + "/v2/team/app/tags/list";
  auto ok = auth.send(reg.host(), get, {pull_scope("team/app")});
  ASSERT_TRUE(ok.ok()) << ok.error().message();
  EXPECT_EQ(ok->status, 200);
  ASSERT_EQ(realm.requests().size(), 1u);
  EXPECT_EQ(realm.requests()[0].header("Authorization"), kBasic);

  for (std::string bad : {"file:///etc/passwd", "gopher://127.0.0.1:1/_x", "ftp://h/token"}) {
    HostileServer evil(bearer_registry(bad));
    Authenticator a(http, creds);
    net::Request g;
    g.url = evil.url() + "/v2/x/tags/list";
    auto r = a.send(evil.host(), g, {pull_scope("x")});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message().find("token realm is a"), std::string::npos) << r.error().message();
    EXPECT_EQ(r.error().message().find("root:"), std::string::npos);
  }
}

TEST(HostileAuth, TokenResponsesAreBounded) {
  HostileServer realm([](const SeenRequest&) {
    return CannedReply{200, {}, std::string(100, '[') + std::string(100, ']')};
  });
  HostileServer reg(bearer_registry(realm.url() + "/token"));
  net::HttpClient http(quick());
  Authenticator auth(http, CredentialStore());
  net::Request get;
  get.url = reg.url() + "/v2/x/tags/list";
  auto r = auth.send(reg.host(), get, {pull_scope("x")});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("nested deeper than the limit"), std::string::npos) << r.error().message();
}

}  // namespace
}  // namespace dl::registry
