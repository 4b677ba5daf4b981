// The proxy against a real registry: faults happen exactly as scheduled,
// and everything else passes through byte for byte.
#include "tests/fault_proxy/fault_proxy.h"

#include <gtest/gtest.h>

#include <chrono>
#include <random>

#include "base/fs.h"
#include "base/sha256.h"
#include "tests/support/http_client.h"
#include "tests/support/registry_fixture.h"
#include "tests/support/registry_test.h"

namespace dl::test {
namespace {

std::string random_bytes(size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(gen());
  return s;
}

class FaultProxyTest : public PlainRegistryTest {
 protected:
  std::unique_ptr<FaultProxy> proxy(std::string_view schedule, FaultProxyOptions opts = {}) {
    auto p = FaultProxy::start(reg_->host(), schedule, opts);
    EXPECT_TRUE(p.ok()) << p.error().message();
    return p.ok() ? std::move(*p) : nullptr;
  }

  // POST + PUT ?digest= through `base`; returns the final status.
  long push_blob(const std::string& base, const std::string& repo, const std::string& data,
                 std::string* location = nullptr) {
    HttpRequest post;
    post.method = "POST";
    auto r = http_request(base + "/v2/" + repo + "/blobs/uploads/", post);
    if (!r.ok() || r->status != 202) return r.ok() ? r->status : -1;
    std::string loc = r->header("Location");
    if (location) *location = loc;
    HttpRequest put;
    put.method = "PUT";
    put.body = data;
    put.headers.push_back("Content-Type: application/octet-stream");
    auto d = Digest::of(data);
    auto p = http_request(loc + (loc.find('?') == std::string::npos ? "?" : "&") + "digest=" + d.str(), put);
    return p.ok() ? p->status : -1;
  }

  long get_status(const std::string& url) {
    auto r = http_request(url);
    return r.ok() ? r->status : -1;
  }
};

TEST_F(FaultProxyTest, InjectsStatusOnTheNthMatchingRequestOnly) {
  TempDir tmp;
  FaultProxyOptions opts;
  opts.log_path = (tmp.path() / "faults.log").string();
  auto p = proxy("status 503 method=GET path=^/v2/$ nth=2 count=2 retry-after=1", opts);
  ASSERT_TRUE(p);
  std::vector<long> statuses;
  std::vector<std::string> retry_after;
  for (int i = 0; i < 4; ++i) {
    auto r = http_request(p->base_url() + "/v2/");
    ASSERT_TRUE(r.ok()) << r.error().message();
    statuses.push_back(r->status);
    retry_after.push_back(r->header("Retry-After"));
  }
  EXPECT_EQ(statuses, (std::vector<long>{200, 503, 503, 200}));
  EXPECT_EQ(retry_after, (std::vector<std::string>{"", "1", "1", ""}));
  // Other methods/paths are not counted by the rule.
  HttpRequest head;
  head.method = "HEAD";
  EXPECT_EQ(http_request(p->base_url() + "/v2/", head)->status, 200);

  auto c = p->counters();
  EXPECT_EQ(c.requests, 5u);
  EXPECT_EQ(c.forwarded, 3u);
  EXPECT_EQ(c.faults, 2u);
  EXPECT_EQ(c.injected_status[503], 2u);
  auto log = read_file(opts.log_path);
  ASSERT_TRUE(log.ok());
  EXPECT_NE(log->find("fault req=2 rule=1 action=status 503 GET /v2/ retry-after=1"), std::string::npos) << *log;
  EXPECT_NE(log->find("fault req=3 rule=1"), std::string::npos) << *log;
  EXPECT_EQ(p->fault_log().size(), 2u);
}

TEST_F(FaultProxyTest, RetryAfterCanBeAnHttpDate) {
  auto p = proxy("status 429 retry-after=date:2");
  ASSERT_TRUE(p);
  auto r = http_request(p->base_url() + "/v2/");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 429);
  std::string ra = r->header("Retry-After");
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
  ASSERT_EQ(ra.size(), 29u) << ra;
  EXPECT_EQ(ra.substr(ra.size() - 4), " GMT");
  EXPECT_NE(r->body.find("TOOMANYREQUESTS"), std::string::npos) << r->body;
}

TEST_F(FaultProxyTest, ForwardsBlobsByteExactlyAndKeepsLocationOnTheProxy) {
  auto p = proxy("");
  ASSERT_TRUE(p);
  // 3 MiB: large enough that curl sends "Expect: 100-continue".
  std::string data = random_bytes(3 << 20, 1);
  std::string location;
  EXPECT_EQ(push_blob(p->base_url(), "proxy/exact", data, &location), 201);
  EXPECT_EQ(location.rfind(p->base_url() + "/v2/proxy/exact/blobs/uploads/", 0), 0u) << location;
  std::string blob_path = "/v2/proxy/exact/blobs/" + Digest::of(data).str();
  auto via_proxy = http_request(p->base_url() + blob_path);
  ASSERT_TRUE(via_proxy.ok());
  EXPECT_EQ(via_proxy->status, 200);
  EXPECT_TRUE(via_proxy->body == data) << "blob differs after a round trip through the proxy";
  // The registry really holds it (asked directly).
  EXPECT_EQ(get_status(reg_->base_url() + blob_path), 200);
  EXPECT_EQ(p->counters().faults, 0u);
}

TEST_F(FaultProxyTest, RewritesLocationsThatNameTheUpstream) {
  auto p = proxy("");
  ASSERT_TRUE(p);
  HttpRequest post;
  post.method = "POST";
  // With the upstream's Host the registry builds upstream URLs; the proxy
  // must turn them back into proxy URLs.
  post.headers.push_back("Host: " + reg_->host());
  auto r = http_request(p->base_url() + "/v2/proxy/loc/blobs/uploads/", post);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 202);
  EXPECT_EQ(r->header("Location").rfind(p->base_url() + "/v2/proxy/loc/", 0), 0u) << r->header("Location");
}

TEST_F(FaultProxyTest, DropsTheResponseAfterKBytesOnce) {
  std::string data = random_bytes(200000, 2);
  ASSERT_EQ(push_blob(reg_->base_url(), "proxy/drop", data), 201);
  auto p = proxy("drop-response 1000 method=GET path=/blobs/sha256:");
  ASSERT_TRUE(p);
  std::string url = p->base_url() + "/v2/proxy/drop/blobs/" + Digest::of(data).str();
  auto first = http_request(url);
  EXPECT_FALSE(first.ok()) << "a cut response must not look complete";
  auto second = http_request(url);
  ASSERT_TRUE(second.ok()) << second.error().message();
  EXPECT_TRUE(second->body == data);
  auto c = p->counters();
  EXPECT_EQ(c.by_action["drop-response"], 1u);
  ASSERT_EQ(p->fault_log().size(), 1u);
  EXPECT_NE(p->fault_log()[0].find("cut-after=1000"), std::string::npos) << p->fault_log()[0];
}

TEST_F(FaultProxyTest, DropsTheRequestBodyAfterKBytesLeavingAPartialUpload) {
  auto p = proxy("drop-request 50000 method=PATCH");
  ASSERT_TRUE(p);
  HttpRequest post;
  post.method = "POST";
  auto start = http_request(p->base_url() + "/v2/proxy/resume/blobs/uploads/", post);
  ASSERT_TRUE(start.ok());
  ASSERT_EQ(start->status, 202);
  HttpRequest patch;
  patch.method = "PATCH";
  patch.body = random_bytes(120000, 3);
  patch.headers.push_back("Content-Type: application/octet-stream");
  auto cut = http_request(start->header("Location"), patch);
  EXPECT_FALSE(cut.ok() && cut->status == 202) << "the PATCH must not succeed";
  auto c = p->counters();
  EXPECT_EQ(c.by_action["drop-request"], 1u);
  ASSERT_EQ(p->fault_log().size(), 1u);
  EXPECT_NE(p->fault_log()[0].find("action=drop-request 50000 PATCH"), std::string::npos) << p->fault_log()[0];
  EXPECT_NE(p->fault_log()[0].find("cut-after=50000"), std::string::npos) << p->fault_log()[0];
  // The next PATCH is forwarded untouched.
  auto again = http_request(p->base_url() + "/v2/proxy/resume/blobs/uploads/", post);
  ASSERT_TRUE(again.ok());
  auto ok = http_request(again->header("Location"), patch);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->status, 202);
  EXPECT_EQ(ok->header("Range"), "0-119999");
}

TEST_F(FaultProxyTest, RejectsLargeBodiesWith413) {
  auto p = proxy("max-body 1024 method=PATCH");
  ASSERT_TRUE(p);
  HttpRequest post;
  post.method = "POST";
  auto start = http_request(p->base_url() + "/v2/proxy/big/blobs/uploads/", post);
  ASSERT_TRUE(start.ok());
  HttpRequest patch;
  patch.method = "PATCH";
  patch.body = random_bytes(2048, 4);
  // (Without it curl says x-www-form-urlencoded and Go's form parsing eats the body.)
  patch.headers.push_back("Content-Type: application/octet-stream");
  auto big = http_request(start->header("Location"), patch);
  ASSERT_TRUE(big.ok()) << big.error().message();
  EXPECT_EQ(big->status, 413);
  patch.body = random_bytes(1000, 5);
  auto small = http_request(start->header("Location"), patch);
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(small->status, 202) << small->body;
  EXPECT_EQ(p->counters().injected_status[413], 1u);
}

TEST_F(FaultProxyTest, ClosesConnectionsAndDelays) {
  auto p = proxy("close nth=1 path=^/v2/$\ndelay 300 path=^/v2/$ nth=2 count=1");
  ASSERT_TRUE(p);
  EXPECT_FALSE(http_request(p->base_url() + "/v2/").ok());
  auto t0 = std::chrono::steady_clock::now();
  auto r = http_request(p->base_url() + "/v2/");
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_GE(ms, 300);
  EXPECT_EQ(p->counters().by_action["close"], 1u);
  EXPECT_EQ(p->counters().by_action["delay"], 1u);
}

TEST_F(FaultProxyTest, RandomRateIsDeterministicForASeed) {
  auto pattern = [&](std::string_view schedule) {
    auto p = proxy(schedule);
    std::string out;
    for (int i = 0; i < 40; ++i) out += get_status(p->base_url() + "/v2/") == 503 ? 'X' : '.';
    return out;
  };
  std::string a = pattern("status 503 rate=0.25 seed=7");
  std::string b = pattern("status 503 rate=0.25 seed=7");
  std::string c = pattern("status 503 rate=0.25 seed=8");
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  auto faults = std::count(a.begin(), a.end(), 'X');
  EXPECT_GT(faults, 2) << a;
  EXPECT_LT(faults, 25) << a;
}

TEST_F(FaultProxyTest, ReloadsTheControlFileWhenItChanges) {
  TempDir tmp;
  std::string rules = (tmp.path() / "rules").string();
  ASSERT_TRUE(write_file_atomic(rules, "status 500 count=all\n").ok());
  FaultProxyOptions opts;
  opts.rules_file = rules;
  auto p = proxy("", opts);
  ASSERT_TRUE(p);
  EXPECT_EQ(get_status(p->base_url() + "/v2/"), 500);
  ASSERT_TRUE(write_file_atomic(rules, "# no faults now\n").ok());
  EXPECT_EQ(get_status(p->base_url() + "/v2/"), 200);
  ASSERT_TRUE(write_file_atomic(rules, "bogus\n").ok());
  EXPECT_EQ(get_status(p->base_url() + "/v2/"), 200) << "a broken file keeps the previous rules";
  bool saw_error = false;
  for (const auto& l : p->fault_log()) saw_error |= l.rfind("rules-error", 0) == 0;
  EXPECT_TRUE(saw_error);
}

TEST_F(FaultProxyTest, StartRejectsBadUpstreamsAndSchedules) {
  EXPECT_FALSE(FaultProxy::start("https://127.0.0.1:1", "").ok());
  EXPECT_FALSE(FaultProxy::start("nohostport", "").ok());
  auto bad = FaultProxy::start(reg_->host(), "status 503 ; explode now");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("schedule:2"), std::string::npos) << bad.error().message();
}

}  // namespace
}  // namespace dl::test
