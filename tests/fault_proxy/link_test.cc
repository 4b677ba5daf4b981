// The link emulation against a real registry: round trips cost the RTT,
// new connections one more, and the rate cap is shared by all connections.
#include "tests/fault_proxy/link.h"

#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <thread>

#include "base/sha256.h"
#include "tests/fault_proxy/fault_proxy.h"
#include "tests/support/http_client.h"
#include "tests/support/registry_test.h"

namespace dl::test {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

TEST(LinkProfileTest, ParsesTcUnits) {
  auto p = parse_link_profile("rtt=100ms,rate=100mbit");
  ASSERT_TRUE(p.ok()) << p.error().message();
  EXPECT_EQ(p->rtt, std::chrono::microseconds(100000));
  EXPECT_EQ(p->rate_bytes_per_s, 12500000u);
  EXPECT_EQ(p->str(), "rtt=100ms,rate=100000kbit");
  auto q = parse_link_profile(" rate=2mbps , rtt=1.5s ");
  ASSERT_TRUE(q.ok()) << q.error().message();
  EXPECT_EQ(q->rate_bytes_per_s, 2000000u);  // tc: mbps is megaBYTES per second
  EXPECT_EQ(q->rtt, std::chrono::microseconds(1500000));
  EXPECT_FALSE(parse_link_profile("none")->active());
  EXPECT_FALSE(parse_link_profile("")->active());
}

TEST(LinkProfileTest, RefusesTyposWithTheNearestKeyOrUnit) {
  auto a = parse_link_profile("rtt=100ms,rat=1mbit");
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.error().message().find("did you mean 'rate'"), std::string::npos) << a.error().message();
  auto b = parse_link_profile("rtt=100");
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().message().find("unknown unit"), std::string::npos) << b.error().message();
  auto c = parse_link_profile("rate=100megabit");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message().find("mbit"), std::string::npos) << c.error().message();
  EXPECT_FALSE(parse_link_profile("rtt").ok());
  EXPECT_FALSE(parse_link_profile("rtt=100s").ok());  // over the 60 s bound
}

TEST(LinkBucketTest, HandsOutBytesAtTheRateAfterABurst) {
  LinkBucket b(1000000);  // 1 MB/s
  auto t0 = Clock::now();
  Clock::time_point last;
  for (int i = 0; i < 100; ++i) last = b.reserve(10000);  // 1 MB in total
  double s = std::chrono::duration<double>(last - t0).count();
  // 1 s minus the 64 KiB burst.
  EXPECT_GT(s, 0.90);
  EXPECT_LT(s, 1.0);
}

class LinkTest : public PlainRegistryTest {
 protected:
  std::unique_ptr<FaultProxy> proxy(const std::string& link) {
    FaultProxyOptions o;
    o.link = *parse_link_profile(link);
    auto p = FaultProxy::start(reg_->host(), "", o);
    EXPECT_TRUE(p.ok()) << p.error().message();
    return p.ok() ? std::move(*p) : nullptr;
  }
  // POST + PUT ?digest=: the registry checks the digest, so a byte out of
  // order through the link fails the PUT.
  long push_blob(const std::string& base, const std::string& repo, const std::string& data) {
    HttpRequest post;
    post.method = "POST";
    auto r = http_request(base + "/v2/" + repo + "/blobs/uploads/", post);
    if (!r.ok() || r->status != 202) return r.ok() ? r->status : -1;
    std::string loc = r->header("Location");
    HttpRequest put;
    put.method = "PUT";
    put.body = data;
    put.timeout_ms = 60000;
    put.headers.push_back("Content-Type: application/octet-stream");
    auto p =
        http_request(loc + (loc.find('?') == std::string::npos ? "?" : "&") + "digest=" + Digest::of(data).str(), put);
    return p.ok() ? p->status : -1;
  }
};

std::string random_bytes(size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(gen());
  return s;
}

TEST_F(LinkTest, ARequestOnANewConnectionCostsTwoRoundTrips) {
  if (setup_stopped()) return;
  auto p = proxy("rtt=200ms");
  ASSERT_TRUE(p);
  auto t0 = Clock::now();
  auto r = http_request(p->base_url() + "/v2/");
  double s = seconds_since(t0);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->status, 200);
  // Handshake (1 RTT) + request/response (1 RTT).
  EXPECT_GE(s, 0.39);
  EXPECT_LT(s, 1.5);
  auto c = p->counters();
  EXPECT_GT(c.link.bytes_up, 0u);
  EXPECT_GT(c.link.bytes_down, 0u);
  EXPECT_EQ(c.link.connections, 1u);
}

TEST_F(LinkTest, TheRateIsSharedByAllConnectionsAndBytesKeepTheirOrder) {
  if (setup_stopped()) return;
  auto p = proxy("rtt=10ms,rate=32mbit");  // 4 MB/s
  ASSERT_TRUE(p);
  std::string a = random_bytes(2 << 20, 1), b = random_bytes(2 << 20, 2);
  long sa = 0, sb = 0;
  auto t0 = Clock::now();
  std::thread ta([&] { sa = push_blob(p->base_url(), "link/a", a); });
  std::thread tb([&] { sb = push_blob(p->base_url(), "link/b", b); });
  ta.join();
  tb.join();
  double s = seconds_since(t0);
  EXPECT_EQ(sa, 201);
  EXPECT_EQ(sb, 201);
  // 4 MiB at 4 MB/s together: ~1.05 s. Each alone at the full rate would
  // take 0.5 s, so a per-connection cap would finish well under 0.9 s.
  EXPECT_GE(s, 0.95);
  EXPECT_LT(s, 3.0);
  EXPECT_GE(p->counters().link.bytes_up, 4u << 20);
  auto reqs = p->requests();
  ASSERT_EQ(reqs.size(), 4u);
  int puts = 0;
  for (auto& r : reqs) puts += r.method == "PUT" && r.status == 201;
  EXPECT_EQ(puts, 2);
}

TEST_F(LinkTest, ResponsesComeBackThroughTheDownstreamCap) {
  if (setup_stopped()) return;
  std::string a = random_bytes(1 << 20, 3);
  ASSERT_EQ(push_blob(reg_->base_url(), "link/down", a), 201);  // straight to the registry
  auto p = proxy("rate=8mbit");                                 // 1 MB/s
  ASSERT_TRUE(p);
  auto t0 = Clock::now();
  auto r = http_request(p->base_url() + "/v2/link/down/blobs/" + Digest::of(a).str());
  double s = seconds_since(t0);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(r->body == a);
  EXPECT_GE(s, 0.9);
  EXPECT_LT(s, 3.0);
}

}  // namespace
}  // namespace dl::test
