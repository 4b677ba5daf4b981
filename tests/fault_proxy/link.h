// Link emulation for the fault proxy: the client side of every connection
// goes through a long thin link, so tests and benchmarks see round trips
// and a bandwidth limit as a real WAN would impose them.
//
// Each direction (client -> proxy "up", proxy -> client "down") has
//   - a one-way delay of RTT/2 on every byte, order kept per connection;
//   - one more RTT before the first byte of a connection reaches the proxy:
//     the TCP handshake a real link charges for a new connection;
//   - a bandwidth cap shared by ALL connections: one token bucket per
//     direction, so 30 parallel uploads share 100 Mbit/s between them
//     instead of getting 100 Mbit/s each.
//
// A pump reads a chunk, waits for the bucket to let it onto the wire
// (serialisation at the link rate, first come first served across
// connections), then hands it to a writer that delivers it RTT/2 later.
//
//   auto link = parse_link_profile("rtt=100ms,rate=100mbit");  // tc units
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "base/result.h"

namespace dl::test {

struct LinkProfile {
  std::chrono::microseconds rtt{0};
  std::uint64_t rate_bytes_per_s = 0;  // 0: no cap
  bool active() const { return rtt.count() > 0 || rate_bytes_per_s > 0; }
  std::string str() const;  // "rtt=100ms,rate=100mbit"
};

// "rtt=100ms,rate=100mbit". Durations: us, ms, s. Rates as tc writes them:
// bit, kbit, mbit, gbit (bits per second, SI) and bps, kbps, mbps, gbps
// (BYTES per second). "" or "none" is no emulation.
Result<LinkProfile> parse_link_profile(std::string_view text);

// The cap of one direction, shared by every connection: a token bucket
// with a small burst. reserve(n) returns when the n bytes have left the
// (emulated) wire; callers sleep until then.
class LinkBucket {
 public:
  explicit LinkBucket(std::uint64_t rate_bytes_per_s) : rate_(rate_bytes_per_s) {}
  std::chrono::steady_clock::time_point reserve(std::size_t n);

 private:
  std::uint64_t rate_;
  std::mutex mu_;
  std::chrono::steady_clock::time_point free_at_{};
};

struct LinkCounters {
  std::uint64_t bytes_up = 0, bytes_down = 0;  // payload that crossed the link
  std::uint64_t connections = 0;
};

// The shared state of one link: both buckets and the counters.
class Link {
 public:
  explicit Link(LinkProfile p);
  ~Link();
  const LinkProfile& profile() const { return profile_; }
  LinkCounters counters() const;

  // One client connection through the link. attach() takes ownership of
  // `outer` (the accepted client socket) and returns a connection whose
  // inner_fd() the proxy serves exactly as it would serve the client.
  class Conn {
   public:
    virtual ~Conn() = default;
    virtual int inner_fd() const = 0;
    // Both directions have delivered everything and closed.
    virtual bool finished() const = 0;
    // Stop now: wake sleepers, shut every socket down (proxy teardown).
    virtual void abort() = 0;
  };
  Result<std::unique_ptr<Conn>> attach(int outer);

  struct State;  // buckets and counters, shared with the connections

 private:
  LinkProfile profile_;
  std::shared_ptr<State> state_;
};

}  // namespace dl::test
