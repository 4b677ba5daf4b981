#include "tests/fault_proxy/link.h"

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "base/strings.h"

namespace dl::test {

using Clock = std::chrono::steady_clock;

namespace {

struct Unit {
  const char* name;
  double factor;
};

// Longest suffix first so "kbit" is not read as "bit".
constexpr Unit kDurations[] = {{"us", 1}, {"ms", 1e3}, {"s", 1e6}};
constexpr Unit kRates[] = {{"gbit", 1e9 / 8}, {"mbit", 1e6 / 8}, {"kbit", 1e3 / 8}, {"bit", 1.0 / 8},
                           {"gbps", 1e9},     {"mbps", 1e6},     {"kbps", 1e3},     {"bps", 1}};

Result<double> number_with_unit(std::string_view key, std::string_view v, const Unit* units, size_t n,
                                const char* expected) {
  size_t digits = 0;
  while (digits < v.size() && (std::isdigit(static_cast<unsigned char>(v[digits])) || v[digits] == '.')) ++digits;
  std::string num(v.substr(0, digits));
  std::string unit = to_lower(v.substr(digits));
  if (num.empty() || num.find('.') != num.rfind('.'))
    return invalid("link " + std::string(key) + "=" + std::string(v) + ": expected a number with a unit (" + expected +
                   ")");
  for (size_t i = 0; i < n; ++i)
    if (unit == units[i].name) return std::stod(num) * units[i].factor;
  return invalid("link " + std::string(key) + "=" + std::string(v) + ": unknown unit '" + unit + "' (expected " +
                 expected + ")");
}

// One direction of one connection: a reader that lets chunks onto the wire
// at the shared rate and a writer that delivers them one delay later.
class Pipe {
 public:
  // `first_extra` delays the first chunk once more: the TCP handshake the
  // loopback connect did not pay (SYN, SYN-ACK: one RTT before data).
  Pipe(int src, int dst, LinkBucket* bucket, std::chrono::microseconds delay, std::chrono::microseconds first_extra,
       std::atomic<std::uint64_t>& counter)
      : src_(src), dst_(dst), bucket_(bucket), delay_(delay), first_extra_(first_extra), counter_(counter) {}
  ~Pipe() { join(); }

  void start(std::function<void()> on_eof_delivered) {
    on_eof_ = std::move(on_eof_delivered);
    reader_ = std::thread([this] { read_loop(); });
    writer_ = std::thread([this] { write_loop(); });
  }
  void stop() {
    {
      std::lock_guard<std::mutex> l(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
  }
  void join() {
    if (reader_.joinable()) reader_.join();
    if (writer_.joinable()) writer_.join();
  }
  bool done() const { return done_; }

 private:
  struct Chunk {
    std::string data;  // empty: end of stream
    Clock::time_point at;
  };
  // Bytes a connection may have in flight beyond what the rate allows (a
  // link without a cap still has finite buffers).
  static constexpr size_t kMaxQueued = 8u << 20;
  static constexpr size_t kChunk = 16u << 10;

  // False when stopped.
  bool sleep_until(Clock::time_point t) {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait_until(l, t, [this] { return stopping_; });
    return !stopping_;
  }

  void push(Chunk c) {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [this] { return stopping_ || queued_ < kMaxQueued; });
    queued_ += c.data.size();
    queue_.push_back(std::move(c));
    cv_.notify_all();
  }

  void read_loop() {
    std::vector<char> buf(kChunk);
    for (;;) {
      ssize_t n = ::recv(src_, buf.data(), buf.size(), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      Clock::time_point sent = bucket_ ? bucket_->reserve(static_cast<size_t>(n)) : Clock::now();
      if (!sleep_until(sent)) return;
      counter_ += static_cast<std::uint64_t>(n);
      push({std::string(buf.data(), static_cast<size_t>(n)), sent + delay_ + first_extra_});
      first_extra_ = std::chrono::microseconds(0);
    }
    push({std::string(), Clock::now() + delay_});
  }

  void write_loop() {
    for (;;) {
      Chunk c;
      {
        std::unique_lock<std::mutex> l(mu_);
        cv_.wait(l, [this] { return stopping_ || !queue_.empty(); });
        if (stopping_) break;
        c = std::move(queue_.front());
        queue_.pop_front();
        queued_ -= c.data.size();
        cv_.notify_all();
      }
      if (!sleep_until(c.at)) break;
      if (c.data.empty()) {
        ::shutdown(dst_, SHUT_WR);
        if (on_eof_) on_eof_();
        break;
      }
      if (!send_all(c.data)) {
        // The receiver is gone: stop reading what nobody will get.
        ::shutdown(src_, SHUT_RD);
        stop();
        break;
      }
    }
    done_ = true;
  }

  bool send_all(const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
      ssize_t n = ::send(dst_, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }

  int src_, dst_;
  LinkBucket* bucket_;
  std::chrono::microseconds delay_, first_extra_;
  std::atomic<std::uint64_t>& counter_;
  std::function<void()> on_eof_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Chunk> queue_;
  size_t queued_ = 0;
  bool stopping_ = false;
  std::atomic<bool> done_{false};
  std::thread reader_, writer_;
};

}  // namespace

std::string LinkProfile::str() const {
  if (!active()) return "none";
  std::string s = "rtt=" + std::to_string(rtt.count() / 1000) + "ms";
  if (rate_bytes_per_s) s += ",rate=" + std::to_string(rate_bytes_per_s * 8 / 1000) + "kbit";
  return s;
}

Result<LinkProfile> parse_link_profile(std::string_view text) {
  LinkProfile p;
  std::string t = trim(text);
  if (t.empty() || t == "none") return p;
  for (const auto& item : split(t, ',')) {
    auto eq = item.find('=');
    std::string key = trim(item.substr(0, eq));
    if (eq == std::string::npos)
      return invalid("link '" + std::string(text) + "': expected KEY=VALUE items (rtt=100ms,rate=100mbit)");
    std::string value = trim(item.substr(eq + 1));
    if (key == "rtt") {
      DL_ASSIGN_OR_RETURN(double us, number_with_unit(key, value, kDurations, std::size(kDurations), "us, ms, s"));
      if (us > 60e6) return invalid("link rtt=" + value + ": more than 60 s");
      p.rtt = std::chrono::microseconds(static_cast<std::int64_t>(us));
    } else if (key == "rate") {
      DL_ASSIGN_OR_RETURN(double bps, number_with_unit(key, value, kRates, std::size(kRates),
                                                       "bit, kbit, mbit, gbit or bps, kbps, mbps, gbps"));
      if (bps < 1) return invalid("link rate=" + value + ": below one byte per second");
      p.rate_bytes_per_s = static_cast<std::uint64_t>(bps);
    } else {
      std::string hint = key.size() && key[0] == 'r' && key.find('a') != std::string::npos ? "rate" : "rtt";
      return invalid("link: unknown key '" + key + "' (did you mean '" + hint + "'? keys: rtt, rate)");
    }
  }
  return p;
}

Clock::time_point LinkBucket::reserve(std::size_t n) {
  using namespace std::chrono;
  auto now = Clock::now();
  // A bucket of 64 KiB: an idle link takes a short burst at once, a busy
  // one hands out bytes strictly at the rate, first come first served.
  auto burst = nanoseconds(static_cast<std::int64_t>(65536.0 * 1e9 / static_cast<double>(rate_)));
  auto wire = nanoseconds(static_cast<std::int64_t>(static_cast<double>(n) * 1e9 / static_cast<double>(rate_)));
  std::lock_guard<std::mutex> l(mu_);
  free_at_ = std::max(free_at_, now - burst) + wire;
  return free_at_;
}

struct Link::State {
  explicit State(const LinkProfile& p) {
    if (p.rate_bytes_per_s) {
      up = std::make_unique<LinkBucket>(p.rate_bytes_per_s);
      down = std::make_unique<LinkBucket>(p.rate_bytes_per_s);
    }
  }
  std::unique_ptr<LinkBucket> up, down;
  std::atomic<std::uint64_t> bytes_up{0}, bytes_down{0}, connections{0};
};

namespace {

class LinkConn final : public Link::Conn {
 public:
  LinkConn(std::shared_ptr<Link::State> st, const LinkProfile& p, int outer, int inner, int end)
      : state_(std::move(st)),
        outer_(outer),
        inner_(inner),
        end_(end),
        up_(outer, end, state_->up.get(), p.rtt / 2, p.rtt, state_->bytes_up),
        down_(end, outer, state_->down.get(), p.rtt / 2, std::chrono::microseconds(0), state_->bytes_down) {
    up_.start({});
    // The proxy closed the connection and the client has every byte: the
    // client's later writes have nowhere to go, as with a real close.
    down_.start([this] {
      ::shutdown(outer_, SHUT_RDWR);
      up_.stop();
    });
  }
  ~LinkConn() override {
    abort();
    up_.join();
    down_.join();
    ::close(outer_);
    ::close(end_);
  }
  int inner_fd() const override { return inner_; }
  bool finished() const override { return up_.done() && down_.done(); }
  void abort() override {
    up_.stop();
    down_.stop();
    ::shutdown(outer_, SHUT_RDWR);
    ::shutdown(end_, SHUT_RDWR);
  }

 private:
  std::shared_ptr<Link::State> state_;
  int outer_, inner_, end_;
  Pipe up_, down_;
};

}  // namespace

Link::Link(LinkProfile p) : profile_(p), state_(std::make_shared<State>(p)) {}
Link::~Link() = default;

LinkCounters Link::counters() const {
  return {state_->bytes_up.load(), state_->bytes_down.load(), state_->connections.load()};
}

Result<std::unique_ptr<Link::Conn>> Link::attach(int outer) {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
    ::close(outer);
    return io_error(std::string("link: socketpair: ") + std::strerror(errno));
  }
  state_->connections++;
  return std::unique_ptr<Conn>(new LinkConn(state_, profile_, outer, pair[0], pair[1]));
}

}  // namespace dl::test
