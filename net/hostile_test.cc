// The transport against small hostile servers (tests/support/hostile_server.h):
// non-HTTP redirects, downgrades, trickling and stalling servers, proxies,
// redaction, body caps and the --tls-verify=false warning.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>

#include "net/fetch.h"
#include "net/http.h"
#include "net/url.h"
#include "tests/support/hostile_server.h"
#include "tests/support/registry_fixture.h"

namespace dl::net {
namespace {

using test::CannedReply;
using test::HostileServer;
using test::SeenRequest;

TransportOptions quick() {
  TransportOptions t;
  t.retry.max_attempts = 1;
  t.proxy = {};
  return t;
}

HostileServer::Handler redirect_to(std::string location) {
  return [location](const SeenRequest&) -> CannedReply { return {302, {{"Location", location}}, ""}; };
}

TEST(HostileRedirects, FileRedirectIsRefusedAndItsBytesAppearNowhere) {
  HostileServer evil(redirect_to("file:///etc/passwd"));
  HttpClient http(quick());
  Request get;
  get.url = evil.url() + "/v2/a/blobs/sha256:1";
  std::string body;
  auto r = http.send(get, [&](const char* d, size_t n) -> Status {
    body.append(d, n);
    return {};
  });
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("file:// URL; only http and https"), std::string::npos) << r.error().message();
  EXPECT_EQ(r.error().message().find("root:"), std::string::npos);
  EXPECT_TRUE(body.empty());
  // The plain GET API says the same, and nothing reaches its sink.
  auto text = get_text(http, get.url);
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.error().message().find("root:"), std::string::npos);
  // And a file:// URL asked for directly never is read.
  get.url = "file:///etc/passwd";
  auto direct = http.send(get);
  ASSERT_FALSE(direct.ok());
  EXPECT_EQ(direct.error().message().find("root:"), std::string::npos);
}

// A TCP port that counts connections, standing in for a local service
// (memcached, redis) that a gopher:// URL would write raw bytes to.
struct CountingPort {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int port = 0;
  CountingPort() {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    listen(fd, 4);
  }
  ~CountingPort() { close(fd); }
  bool connected() {
    pollfd p{fd, POLLIN, 0};
    return poll(&p, 1, 200) > 0;
  }
};

TEST(HostileRedirects, GopherRedirectNeverConnects) {
  CountingPort victim;
  HostileServer evil(redirect_to("gopher://127.0.0.1:" + std::to_string(victim.port) + "/_SET%20pwned%201"));
  HttpClient http(quick());
  Request get;
  get.url = evil.url() + "/x";
  auto r = http.send(get);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("gopher:// URL; only http and https"), std::string::npos) << r.error().message();
  EXPECT_FALSE(victim.connected()) << "the gopher target was contacted";
}

TEST(HostileRedirects, HttpsToHttpDowngradeIsRefusedExceptOnLoopback) {
  auto down = check_redirect("GET https://registry.example/v2/x", "https://registry.example/v2/x",
                             "http://cdn.example/blob?sig=s3cr3t");
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.error().message(),
            "GET https://registry.example/v2/x: redirect to http://cdn.example/blob?sig=REDACTED downgrades https "
            "to plain http; refused");
  EXPECT_TRUE(check_redirect("GET", "https://registry.example/x", "http://127.0.0.1:5000/x").ok());
  EXPECT_TRUE(check_redirect("GET", "https://registry.example/x", "https://cdn.example/x").ok());
  EXPECT_TRUE(check_redirect("GET", "http://registry.example/x", "http://cdn.example/x").ok());
  EXPECT_FALSE(check_redirect("GET", "http://registry.example/x", "ftp://cdn.example/x").ok());
}

TEST(HostileDeadlines, TwoBytesPerSecondIsCutNamingTheUrl) {
  CannedReply slow{200, {}, std::string(4096, 'x')};
  slow.trickle_bytes_per_s = 2;
  HostileServer loris([slow](const SeenRequest&) { return slow; });
  TransportOptions t = quick();
  t.low_speed_limit = 100;
  t.low_speed_time_s = 2;
  HttpClient http(t);
  auto start = std::chrono::steady_clock::now();
  auto r = get_text(http, loris.url() + "/simple/pkg/?token=hush");
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_LT(took, std::chrono::seconds(10));
  EXPECT_NE(r.error().message().find("GET " + loris.url() + "/simple/pkg/?token=REDACTED"), std::string::npos)
      << r.error().message();
  EXPECT_NE(r.error().message().find("no progress: fewer than 100 bytes/s for 2 s"), std::string::npos)
      << r.error().message();
  EXPECT_FALSE(r.error().is_temporary()) << "a deadline is not retried";
}

TEST(HostileDeadlines, SlowButProgressingTransferContinues) {
  CannedReply steady{200, {}, std::string(200000, 'y')};
  steady.chunks = 6;
  steady.chunk_delay_ms = 600;  // 3.6 s in all, well past low_speed_time_s, at ~50 KB/s
  HostileServer server([steady](const SeenRequest&) { return steady; });
  TransportOptions t = quick();
  t.low_speed_limit = 100;
  t.low_speed_time_s = 2;
  HttpClient http(t);
  auto r = get_text(http, server.url() + "/big");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->size(), 200000u);
}

TEST(HostileDeadlines, OverallDeadlineCutsATransferThatNeverEnds) {
  CannedReply forever{200, {}, std::string(400000, 'z')};
  forever.chunks = 40;
  forever.chunk_delay_ms = 200;  // 8 s of steady progress
  HostileServer server([forever](const SeenRequest&) { return forever; });
  TransportOptions t = quick();
  t.deadline_s = 1;
  HttpClient http(t);
  auto r = get_text(http, server.url() + "/endless");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("overall deadline of 1 s exceeded"), std::string::npos) << r.error().message();
}

TEST(HostileBodies, BufferedBodiesAreCapped) {
  HostileServer server([](const SeenRequest&) { return CannedReply{200, {}, std::string(5000, 'b')}; });
  HttpClient http(quick());
  auto r = get_text(http, server.url() + "/page", 1000);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("larger than the limit of 1000 bytes"), std::string::npos) << r.error().message();
  TransportOptions t = quick();
  t.max_buffered_body = 100;
  HttpClient small(t);
  Request get;
  get.url = server.url() + "/error-page";
  auto e = small.send(get);  // no sink: the body is buffered, and capped
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message().find("larger than 100 bytes"), std::string::npos) << e.error().message();
}

TEST(Proxies, EnvironmentProxyIsUsedButNeverForLoopback) {
  HostileServer proxy([](const SeenRequest&) { return CannedReply{200, {}, "via proxy"}; });
  HostileServer direct([](const SeenRequest&) { return CannedReply{200, {}, "direct"}; });
  TransportOptions t = quick();
  t.proxy.http_proxy = proxy.url();
  t.proxy.https_proxy = proxy.url();
  HttpClient http(t);
  auto far = get_text(http, "http://pypi.example.invalid/simple/");
  ASSERT_TRUE(far.ok()) << far.error().message();
  EXPECT_EQ(*far, "via proxy");
  ASSERT_EQ(proxy.requests().size(), 1u);
  EXPECT_EQ(proxy.requests()[0].target, "http://pypi.example.invalid/simple/");
  auto near = get_text(http, direct.url() + "/x");
  ASSERT_TRUE(near.ok()) << near.error().message();
  EXPECT_EQ(*near, "direct");
  EXPECT_EQ(proxy.requests().size(), 1u) << "loopback went through the proxy";
}

TEST(Proxies, ConfigFromEnvironmentAndNoProxy) {
  ::setenv("HTTPS_PROXY", "proxy.corp:3128", 1);
  ::setenv("HTTP_PROXY", "http://p2.corp:8080", 1);
  ::setenv("NO_PROXY", "internal.corp, .svc,registry.local:5000", 1);
  ProxyConfig c = ProxyConfig::from_env();
  ::unsetenv("HTTPS_PROXY");
  ::unsetenv("HTTP_PROXY");
  ::unsetenv("NO_PROXY");
  EXPECT_EQ(c.for_url("https://registry-1.docker.io/v2/"), "http://proxy.corp:3128");
  EXPECT_EQ(c.for_url("http://pypi.example/simple/"), "http://p2.corp:8080");
  EXPECT_EQ(c.for_url("https://internal.corp/x"), "");
  EXPECT_EQ(c.for_url("https://a.internal.corp/x"), "");
  EXPECT_EQ(c.for_url("https://notinternal.corp/x"), "http://proxy.corp:3128");
  EXPECT_EQ(c.for_url("https://api.svc/x"), "");
  EXPECT_EQ(c.for_url("http://registry.local:5000/v2/"), "");
  EXPECT_EQ(c.for_url("http://127.0.0.1:5000/v2/"), "");
  EXPECT_EQ(c.for_url("http://localhost:5000/v2/"), "");
  EXPECT_EQ(c.for_url("http://[::1]:5000/v2/"), "");
  EXPECT_EQ(c.for_url("http://127.evil.example/"), "http://p2.corp:8080");
}

TEST(Redaction, CredentialsNeverReachAMessage) {
  EXPECT_EQ(redact_url("https://alice:hunter2@pypi.corp/simple/?token=t0k&access_token=a&password=p"),
            "https://pypi.corp/simple/?token=REDACTED&access_token=REDACTED&password=REDACTED");
  EXPECT_EQ(redact_url("https://cdn/blob?X-Amz-Credential=AKIA&X-Amz-Signature=abc&sig=1&signature=2&n=3"),
            "https://cdn/blob?X-Amz-Credential=REDACTED&X-Amz-Signature=REDACTED&sig=REDACTED&signature=REDACTED&n=3");
  EXPECT_EQ(redact_urls_in("GET https://u:pw@h/x?sig=abc: 403 (see http://h/help)"),
            "GET https://h/x?sig=REDACTED: 403 (see http://h/help)");
  // What goes into a lock or an image's history keeps the URL, not its secrets.
  EXPECT_EQ(strip_secrets("https://u:pw@pypi.corp/p/x.whl?token=t&X-Amz-Signature=s&v=2#sha256=ab"),
            "https://pypi.corp/p/x.whl?v=2#sha256=ab");
  EXPECT_EQ(strip_secrets("https://pypi.corp/p/x.whl"), "https://pypi.corp/p/x.whl");
  EXPECT_EQ(userinfo_of("https://u:pw@h/x"), "u:pw");
  EXPECT_EQ(with_userinfo("https://h/x", "u:pw"), "https://u:pw@h/x");
  // Messages from a failing server are redacted too.
  HostileServer server([](const SeenRequest&) {
    return CannedReply{403, {}, R"({"errors":[{"code":"DENIED","message":"try https://bob:pw@h/x?token=zzz"}]})"};
  });
  HttpClient http(quick());
  auto r = get_text(http, "http://carol:s3cr3t@" + server.host() + "/p?signature=qq");
  ASSERT_FALSE(r.ok());
  for (const char* secret : {"s3cr3t", "carol", "qq", "zzz", ":pw"})
    EXPECT_EQ(r.error().message().find(secret), std::string::npos) << secret << " in " << r.error().message();
}

TEST(TlsVerify, DisabledVerificationIsRecordedForOneWarning) {
  auto reg = test::RegistryServer::start(test::RegistryMode::htpasswd_tls);
  ASSERT_TRUE(reg.ok()) << reg.error().message();
  TransportOptions t = quick();
  t.tls_verify = false;
  t.certs_dir.clear();
  HttpClient http(t);
  for (int i = 0; i < 3; ++i) {
    Request get;
    get.url = reg->base_url() + "/v2/";
    auto r = http.send(get);
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->status, 401);
  }
  auto hosts = insecure_hosts();
  EXPECT_EQ(std::count(hosts.begin(), hosts.end(), reg->host()), 1);
  std::string line = insecure_warning();
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_NE(line.find("warning"), std::string::npos);
  EXPECT_NE(line.find(reg->host()), std::string::npos) << line;
  // With verification on, the self-signed test CA is refused.
  HttpClient strict(quick());
  Request get;
  get.url = reg->base_url() + "/v2/";
  EXPECT_FALSE(strict.send(get).ok());
}

}  // namespace
}  // namespace dl::net
