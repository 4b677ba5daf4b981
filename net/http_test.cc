// The HTTP client against real servers: the Distribution registry, the
// harness's fault proxy in front of it, and a tiny redirecting server for
// the rule that credentials never follow a redirect to another origin.
#include "net/http.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "base/sha256.h"
#include "net/fake_clock_test_util.h"
#include "net/tiny_server_test_util.h"
#include "net/url.h"
#include "tests/support/fault_proxy.h"
#include "tests/support/registry_fixture.h"
#include "tests/support/registry_test.h"

namespace dl::net {
namespace {

TEST(Url, ResolveRelativeLocations) {
  EXPECT_EQ(*resolve_url("http://h:5000/v2/a/blobs/uploads/", "/v2/a/blobs/uploads/u?_state=x"),
            "http://h:5000/v2/a/blobs/uploads/u?_state=x");
  EXPECT_EQ(*resolve_url("https://h/v2/a/tags/list?n=2", "list?last=b&n=2"), "https://h/v2/a/tags/list?last=b&n=2");
  EXPECT_EQ(*resolve_url("https://h/v2/", "https://cdn.example/blob?sig=1"), "https://cdn.example/blob?sig=1");
  EXPECT_EQ(*resolve_url("https://h/v2/", "//cdn.example/x"), "https://cdn.example/x");
}

TEST(Url, RedactsSecretsKeepsHarmlessParameters) {
  EXPECT_EQ(redact_url("https://user:pw@h/v2/a/blobs/uploads/u?_state=SECRET&digest=sha256:ab"),
            "https://h/v2/a/blobs/uploads/u?_state=REDACTED&digest=sha256:ab");
  EXPECT_EQ(redact_url("https://cdn/x?X-Amz-Signature=abc&n=3"), "https://cdn/x?X-Amz-Signature=REDACTED&n=3");
  EXPECT_EQ(redact_url("http://h:5000/v2/"), "http://h:5000/v2/");
}

TEST(Url, OriginsAndQueries) {
  EXPECT_EQ(url_origin("https://H.io/v2/"), "https://h.io:443");
  EXPECT_EQ(url_origin("https://h.io:443/x"), url_origin("https://h.io/y"));
  EXPECT_NE(url_origin("http://h.io/x"), url_origin("https://h.io/x"));
  EXPECT_NE(url_origin("http://127.0.0.1:1/x"), url_origin("http://127.0.0.1:2/x"));
  EXPECT_EQ(url_host("http://127.0.0.1:5000/v2/"), "127.0.0.1:5000");
  EXPECT_EQ(add_query("http://h/p?a=1", "scope", "repository:a/b:pull,push"),
            "http://h/p?a=1&scope=repository%3Aa%2Fb%3Apull%2Cpush");
}

TEST(Headers, CaseInsensitive) {
  Headers h;
  h.add("Docker-Content-Digest", "sha256:x");
  h.add("link", "a");
  h.add("Link", "b");
  EXPECT_EQ(h.get("docker-content-digest"), "sha256:x");
  EXPECT_EQ(h.get_all("LINK").size(), 2u);
  h.set("LINK", "c");
  EXPECT_EQ(h.get_all("link"), std::vector<std::string>{"c"});
  h.remove("link");
  EXPECT_FALSE(h.get("Link"));
}

TEST(Errors, RegistryErrorCodesInMessage) {
  Response r;
  r.status = 404;
  r.body = R"({"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry","detail":"x"}]})";
  Error e = http_error("GET", "http://u:p@h/v2/a/blobs/sha256:1?_state=s3cr3t", r);
  EXPECT_EQ(e.message(),
            "GET http://h/v2/a/blobs/sha256:1?_state=REDACTED: 404 Not Found: BLOB_UNKNOWN "
            "(blob unknown to registry)");
  EXPECT_EQ(e.kind(), ErrorKind::not_found);
  EXPECT_EQ(e.status(), 404);
  EXPECT_FALSE(e.is_temporary());
  EXPECT_TRUE(has_registry_error(r, "BLOB_UNKNOWN"));
  r.status = 503;
  r.body = "upstream down\n";
  Error t = http_error("PUT", "http://h/x", r);
  EXPECT_TRUE(t.is_temporary());
  EXPECT_EQ(t.message(), "PUT http://h/x: 503 Service Unavailable: upstream down");
}

class HttpAgainstRegistry : public test::PlainRegistryTest {
 protected:
  void SetUp() override {
    test::PlainRegistryTest::SetUp();
    if (setup_stopped()) return;
  }
};

// A body pulled from a generator in small pieces: nothing whole in memory.
BodyOpener generated_body(uint64_t size, int* opens = nullptr) {
  return [size, opens]() -> Result<BodyReader> {
    if (opens) ++*opens;
    auto pos = std::make_shared<uint64_t>(0);
    return BodyReader([size, pos](char* buf, size_t cap) -> Result<size_t> {
      size_t n = static_cast<size_t>(std::min<uint64_t>(cap, size - *pos));
      for (size_t i = 0; i < n; ++i) buf[i] = static_cast<char>((*pos + i) * 7 % 251);
      *pos += n;
      return n;
    });
  };
}

std::string generated_digest(uint64_t size) {
  Sha256 h;
  for (uint64_t i = 0; i < size; ++i) {
    char c = static_cast<char>(i * 7 % 251);
    h.update(&c, 1);
  }
  return "sha256:" + h.hex_digest();
}

// POST an upload session and PUT a streamed body; returns the PUT response.
Result<Response> upload(HttpClient& http, const std::string& base, uint64_t size, int* opens = nullptr) {
  Request post;
  post.method = "POST";
  post.url = base + "/v2/t/blobs/uploads/";
  auto r = http.send(post);
  if (!r.ok()) return r.error();
  EXPECT_EQ(r->status, 202);
  auto loc = resolve_url(r->url, r->headers.get_or("Location"));
  Request put;
  put.method = "PUT";
  put.url = add_query(*loc, "digest", generated_digest(size));
  put.open_body = generated_body(size, opens);
  put.body_size = static_cast<int64_t>(size);
  put.headers.set("Content-Type", "application/octet-stream");
  return http.send(put);
}

TEST_F(HttpAgainstRegistry, StreamsRequestAndResponseBodies) {
  std::vector<std::string> log;
  TransportOptions opts;
  opts.log = [&](const std::string& l) { log.push_back(l); };
  HttpClient http(opts);
  const uint64_t size = 3 * 1024 * 1024 + 17;
  auto put = upload(http, reg_->base_url(), size);
  ASSERT_TRUE(put.ok()) << put.error().message();
  ASSERT_EQ(put->status, 201) << put->body;

  Request get;
  get.url = reg_->base_url() + "/v2/t/blobs/" + generated_digest(size);
  Sha256 h;
  size_t calls = 0;
  auto resp = http.send(get, [&](const char* d, size_t n) -> Status {
    h.update(d, n);
    ++calls;
    return {};
  });
  ASSERT_TRUE(resp.ok()) << resp.error().message();
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->streamed, size);
  EXPECT_TRUE(resp->body.empty());
  EXPECT_GT(calls, 10u) << "the body should arrive in pieces";
  EXPECT_EQ("sha256:" + h.hex_digest(), generated_digest(size));
  // Log lines carry method, redacted URL and status, and no upload state.
  ASSERT_FALSE(log.empty());
  for (const auto& l : log)
    EXPECT_EQ(l.find("_state=") == std::string::npos || l.find("_state=REDACTED") != std::string::npos, true) << l;

  // A 404 is a Response with the registry's error body, not an Error.
  get.url = reg_->base_url() + "/v2/t/blobs/sha256:" + std::string(64, '0');
  auto missing = http.send(get, [](const char*, size_t) -> Status { return {}; });
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status, 404);
  EXPECT_TRUE(has_registry_error(*missing, "BLOB_UNKNOWN")) << missing->body;
}

TEST_F(HttpAgainstRegistry, RetriesInjected503And429HonouringRetryAfter) {
  auto proxy = test::FaultProxy::start(reg_->host(),
                                       "status 503 method=PUT nth=1 retry-after=1\n"
                                       "status 429 method=PUT nth=2 retry-after=date:2");
  ASSERT_TRUE(proxy.ok()) << proxy.error().message();
  auto clock = std::make_shared<FakeClock>();
  HttpClient http(TransportOptions{}, clock);
  int opens = 0;
  auto put = upload(http, (*proxy)->base_url(), 100000, &opens);
  ASSERT_TRUE(put.ok()) << put.error().message();
  EXPECT_EQ(put->status, 201) << put->body;
  EXPECT_EQ(put->attempts, 3);
  EXPECT_EQ(opens, 3) << "the streamed body is reopened for each attempt";
  EXPECT_EQ((*proxy)->counters().faults, 2u);
  auto sleeps = clock->sleeps();
  ASSERT_EQ(sleeps.size(), 2u);
  EXPECT_GE(sleeps[0], Millis(1000));
  EXPECT_GE(sleeps[1], Millis(1000));  // an HTTP-date ~2 s ahead (whole seconds)
}

TEST_F(HttpAgainstRegistry, GivesUpAfterBoundedAttemptsWithTemporaryError) {
  auto proxy = test::FaultProxy::start(reg_->host(), "status 503 path=/v2/ count=all");
  ASSERT_TRUE(proxy.ok());
  auto clock = std::make_shared<FakeClock>();
  TransportOptions opts;
  opts.retry.max_attempts = 3;
  HttpClient http(opts, clock);
  Request get;
  get.url = (*proxy)->base_url() + "/v2/";
  auto r = http.send(get);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->attempts, 3);
  Error e = http_error("GET", get.url, *r);
  EXPECT_TRUE(e.is_temporary());
}

TEST_F(HttpAgainstRegistry, ConnectionErrorsAreTemporaryAndRetried) {
  auto proxy = test::FaultProxy::start(reg_->host(), "close path=/v2/ count=2");
  ASSERT_TRUE(proxy.ok());
  auto clock = std::make_shared<FakeClock>();
  HttpClient http(TransportOptions{}, clock);
  Request get;
  get.url = (*proxy)->base_url() + "/v2/";
  auto r = http.send(get);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->attempts, 3);

  // Nothing listening: a temporary network error naming the URL.
  TransportOptions quick;
  quick.retry.max_attempts = 1;
  HttpClient http2(quick, clock);
  get.url = "http://127.0.0.1:1/v2/?_state=hush";
  auto dead = http2.send(get);
  ASSERT_FALSE(dead.ok());
  EXPECT_TRUE(dead.error().is_temporary());
  EXPECT_EQ(dead.error().kind(), ErrorKind::network);
  EXPECT_NE(dead.error().message().find("GET http://127.0.0.1:1/v2/?_state=REDACTED"), std::string::npos)
      << dead.error().message();
}

bool has_authorization(const std::string& head) {
  std::string lower;
  for (char c : head) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower.find("\r\nauthorization:") != std::string::npos;
}

TEST(HttpRedirects, AuthorizationNeverFollowsToAnotherOrigin) {
  TinyServer cdn([](const std::string&) {
    return std::string("HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\nblob");
  });
  std::string cdn_url = "http://127.0.0.1:" + std::to_string(cdn.port());
  TinyServer registry([&](const std::string& head) {
    // First hop: same-origin relative redirect; second: off to the "CDN".
    if (head.find("GET /v2/a/blobs/x ") == 0)
      return std::string(
          "HTTP/1.1 307 Temporary Redirect\r\nLocation: /v2/a/blobs/y\r\nContent-Length: 0\r\nConnection: "
          "close\r\n\r\n");
    return "HTTP/1.1 307 Temporary Redirect\r\nLocation: " + cdn_url +
           "/blob?sig=abc\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  });
  HttpClient http;
  Request get;
  get.url = "http://127.0.0.1:" + std::to_string(registry.port()) + "/v2/a/blobs/x";
  get.headers.set("Authorization", "Bearer registry-token");
  std::string body;
  auto r = http.send(get, [&](const char* d, size_t n) -> Status {
    body.append(d, n);
    return {};
  });
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(body, "blob");
  EXPECT_EQ(r->url, cdn_url + "/blob?sig=abc");
  auto reg_heads = registry.heads();
  ASSERT_EQ(reg_heads.size(), 2u);
  EXPECT_TRUE(has_authorization(reg_heads[0]));
  EXPECT_TRUE(has_authorization(reg_heads[1])) << "same origin keeps credentials";
  auto cdn_heads = cdn.heads();
  ASSERT_EQ(cdn_heads.size(), 1u);
  EXPECT_FALSE(has_authorization(cdn_heads[0])) << cdn_heads[0];
}

}  // namespace
}  // namespace dl::net
