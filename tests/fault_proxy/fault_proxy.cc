#include "tests/fault_proxy/fault_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <list>
#include <mutex>
#include <thread>

#include "base/strings.h"
#include "tests/fault_proxy/fault_schedule.h"
#include "tests/fault_proxy/wire.h"

namespace dl::test {
namespace {

std::string http_date(std::time_t t) {
  char buf[64];
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

const char* reason(int status) {
  switch (status) {
    case 413: return "Request Entity Too Large";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Injected Fault";
  }
}

const char* error_code(int status) {
  switch (status) {
    case 413: return "SIZE_INVALID";
    case 429: return "TOOMANYREQUESTS";
    case 503: return "UNAVAILABLE";
    default: return "UNKNOWN";
  }
}

Result<std::pair<std::string, int>> split_upstream(std::string s) {
  if (starts_with(s, "http://")) s = s.substr(7);
  if (starts_with(s, "https://")) return invalid("fault proxy upstream must be plain http: " + s);
  while (!s.empty() && s.back() == '/') s.pop_back();
  auto colon = s.rfind(':');
  if (colon == std::string::npos) return invalid("fault proxy upstream must be HOST:PORT, got '" + s + "'");
  int port = std::atoi(s.substr(colon + 1).c_str());
  if (port <= 0 || port > 65535) return invalid("bad port in upstream '" + s + "'");
  return std::make_pair(s.substr(0, colon), port);
}

}  // namespace

struct FaultProxy::Impl {
  std::string upstream_host;
  int upstream_port = 0;
  FaultProxyOptions opts;
  int listen_fd = -1;
  int port = 0;
  int wake[2] = {-1, -1};
  std::thread acceptor;
  std::atomic<bool> stopping{false};
  std::mutex stop_mu;
  std::condition_variable stop_cv;
  FaultSchedule schedule;
  std::unique_ptr<Link> link;  // null: no emulation
  std::atomic<std::uint64_t> connections{0};
  mutable std::mutex req_mu;
  std::vector<RequestRecord> request_log;

  size_t record_request(const wire::Head& req) {
    std::lock_guard<std::mutex> lock(req_mu);
    if (request_log.size() >= 1000000) return SIZE_MAX;
    auto now = std::chrono::steady_clock::now();
    request_log.push_back({req.method, req.target, 0, now, now});
    return request_log.size() - 1;
  }
  void record_status(size_t i, int status) {
    std::lock_guard<std::mutex> lock(req_mu);
    if (i >= request_log.size()) return;
    request_log[i].status = status;
    request_log[i].answered_at = std::chrono::steady_clock::now();
  }

  struct Conn {
    std::thread thread;
    std::mutex mu;
    int client = -1, upstream = -1;
    std::atomic<bool> done{false};
    std::unique_ptr<Link::Conn> link;  // owns the real client socket when emulating a link
    bool reapable() const { return done && (!link || link->finished()); }
    void close_fd(int& fd) {
      std::lock_guard<std::mutex> lock(mu);
      if (fd >= 0) ::close(fd);
      fd = -1;
    }
    void shutdown_all() {
      std::lock_guard<std::mutex> lock(mu);
      if (client >= 0) ::shutdown(client, SHUT_RDWR);
      if (upstream >= 0) ::shutdown(upstream, SHUT_RDWR);
      if (link) link->abort();
    }
  };
  std::mutex conns_mu;
  std::list<Conn> conns;

  ~Impl() {
    stopping = true;
    stop_cv.notify_all();
    if (wake[1] >= 0) {
      char c = 'x';
      ssize_t n = ::write(wake[1], &c, 1);
      (void)n;
    }
    if (acceptor.joinable()) acceptor.join();
    {
      std::lock_guard<std::mutex> lock(conns_mu);
      for (auto& c : conns) c.shutdown_all();
    }
    for (auto& c : conns)
      if (c.thread.joinable()) c.thread.join();
    for (int fd : {listen_fd, wake[0], wake[1]})
      if (fd >= 0) ::close(fd);
  }

  int connect_upstream() {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (::getaddrinfo(upstream_host.c_str(), std::to_string(upstream_port).c_str(), &hints, &res) != 0) return -1;
    int fd = -1;
    for (addrinfo* a = res; a; a = a->ai_next) {
      fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
      if (fd < 0) continue;
      if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
      ::close(fd);
      fd = -1;
    }
    ::freeaddrinfo(res);
    if (fd >= 0) {
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    return fd;
  }

  std::string fault_response(const FaultRule& r, bool close) {
    int status = r.action == FaultAction::max_body ? 413 : static_cast<int>(r.arg);
    std::string body = std::string("{\"errors\":[{\"code\":\"") + error_code(status) +
                       "\",\"message\":\"injected by dl_fault_proxy: " + r.text + "\"}]}";
    std::string out = "HTTP/1.1 " + std::to_string(status) + " " + reason(status) + "\r\n";
    out += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    out += "Docker-Distribution-Api-Version: registry/2.0\r\n";
    if (r.retry_after == FaultRule::RetryAfter::seconds)
      out += "Retry-After: " + std::to_string(r.retry_after_seconds) + "\r\n";
    if (r.retry_after == FaultRule::RetryAfter::date)
      out += "Retry-After: " + http_date(std::time(nullptr) + static_cast<std::time_t>(r.retry_after_seconds)) + "\r\n";
    if (close) out += "Connection: close\r\n";
    return out + "\r\n" + body;
  }

  void sleep_ms(std::uint64_t ms) {
    std::unique_lock<std::mutex> lock(stop_mu);
    stop_cv.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stopping.load(); });
  }

  // One client connection: a loop of request/response exchanges over one
  // (lazily opened, reused) upstream connection.
  void serve(Conn& c) {
    wire::Reader client(c.client);
    std::unique_ptr<wire::Reader> upstream;
    auto drop_upstream = [&] {
      upstream.reset();
      c.close_fd(c.upstream);
    };
    // Go clients (skopeo) try https first on a registry not known to be
    // insecure. Answer like Go's own http server does so they fall back to
    // http at once instead of waiting out a TLS handshake timeout.
    if (client.starts_with_tls_handshake()) {
      wire::send_all(c.client, "HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n");
      c.close_fd(c.client);
      c.done = true;
      return;
    }
    while (!stopping) {
      std::string raw;
      if (!client.read_head(raw)) break;
      wire::Head req;
      if (!wire::parse_request_head(raw, req)) {
        wire::send_all(c.client, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        break;
      }
      size_t rec = record_request(req);
      FaultDecision d = schedule.decide(req);
      if (d.delay_ms) sleep_ms(d.delay_ms);
      if (stopping) break;
      bool expect_continue = req.has_token("Expect", "100-continue");
      wire::BodyFraming req_body = wire::request_framing(req);
      const FaultAction act = d.terminal.action;
      if (d.has_terminal && act == FaultAction::close) break;
      if (d.has_terminal && (act == FaultAction::status || act == FaultAction::max_body)) {
        if (expect_continue) {
          // The client waits for 100 before sending the body: answer now and close.
          wire::send_all(c.client, fault_response(d.terminal, true));
          break;
        }
        std::uint64_t drained = 0;
        if (wire::copy_body(client, -1, req_body, -1, drained) != wire::CopyResult::done) break;
        if (!wire::send_all(c.client, fault_response(d.terminal, false))) break;
        record_status(rec, d.terminal.action == FaultAction::max_body ? 413 : static_cast<int>(d.terminal.arg));
        continue;
      }

      // Forward. We answer "100 Continue" ourselves and strip Expect so the
      // upstream never waits on a body we have not started copying.
      if (expect_continue) {
        req.remove("Expect");
        if (!wire::send_all(c.client, "HTTP/1.1 100 Continue\r\n\r\n")) break;
      }
      std::string head = req.serialize();
      bool sent = false;
      for (int attempt = 0; attempt < 2 && !sent; ++attempt) {
        if (!upstream) {
          int fd = connect_upstream();
          if (fd < 0) break;
          {
            std::lock_guard<std::mutex> lock(c.mu);
            c.upstream = fd;
          }
          upstream = std::make_unique<wire::Reader>(fd);
        }
        sent = wire::send_all(c.upstream, head);
        if (!sent) drop_upstream();  // a stale keep-alive connection: reconnect once
      }
      if (!sent) {
        wire::send_all(c.client, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        break;
      }
      schedule.count_forwarded();

      bool cut_request = d.has_terminal && act == FaultAction::drop_request;
      std::int64_t budget = cut_request ? static_cast<std::int64_t>(d.terminal.arg) : -1;
      std::uint64_t copied = 0;
      auto r = wire::copy_body(client, c.upstream, req_body, budget, copied);
      if (cut_request) {
        bool cut = r == wire::CopyResult::budget_exhausted || d.terminal.arg == 0;
        schedule.record_cut(d, req, cut, copied);
        if (cut) break;
      }
      if (r != wire::CopyResult::done) break;

      wire::Head resp;
      for (;;) {
        std::string rraw;
        if (!upstream->read_head(rraw) || !wire::parse_response_head(rraw, resp)) {
          resp.status = 0;
          break;
        }
        if (resp.status >= 200 || resp.status == 101) break;
        // Interim 1xx responses from upstream go straight through.
        if (!wire::send_all(c.client, rraw)) break;
      }
      if (resp.status < 200) {
        wire::send_all(c.client, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        break;
      }
      rewrite_location(resp);
      record_status(rec, resp.status);
      wire::BodyFraming resp_body = wire::response_framing(resp, req.method);
      if (!wire::send_all(c.client, resp.serialize())) break;
      bool cut_response = d.has_terminal && act == FaultAction::drop_response;
      budget = cut_response ? static_cast<std::int64_t>(d.terminal.arg) : -1;
      copied = 0;
      r = wire::copy_body(*upstream, c.client, resp_body, budget, copied);
      if (cut_response) {
        bool cut = r == wire::CopyResult::budget_exhausted || d.terminal.arg == 0;
        schedule.record_cut(d, req, cut, copied);
        if (cut) break;
      }
      if (r != wire::CopyResult::done) break;
      if (resp_body.kind == wire::Framing::until_close || resp.has_token("Connection", "close")) {
        drop_upstream();
        break;
      }
      if (req.has_token("Connection", "close")) break;
    }
    drop_upstream();
    c.close_fd(c.client);
    c.done = true;
  }

  // The registry normally builds Location from the Host header we pass
  // through, so it already names the proxy. When it was configured with
  // http.host (or the client sent the upstream's Host), the Location names
  // the upstream: point it back at the proxy so clients stay behind it.
  void rewrite_location(wire::Head& resp) {
    std::string loc = resp.header("Location");
    if (loc.empty()) return;
    for (const std::string& from : {upstream_host + ":" + std::to_string(upstream_port),
                                    std::string("127.0.0.1:") + std::to_string(upstream_port),
                                    std::string("localhost:") + std::to_string(upstream_port)}) {
      std::string prefix = "http://" + from;
      if (starts_with(loc, prefix) && (loc.size() == prefix.size() || loc[prefix.size()] == '/')) {
        resp.set("Location", "http://127.0.0.1:" + std::to_string(port) + loc.substr(prefix.size()));
        return;
      }
    }
  }

  void accept_loop() {
    while (!stopping) {
      pollfd pfd[2] = {{listen_fd, POLLIN, 0}, {wake[0], POLLIN, 0}};
      if (::poll(pfd, 2, -1) < 0) {
        if (errno == EINTR) continue;
        return;
      }
      if (pfd[1].revents || stopping) return;
      int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      std::lock_guard<std::mutex> lock(conns_mu);
      for (auto it = conns.begin(); it != conns.end();) {
        if (it->reapable()) {
          it->thread.join();
          it = conns.erase(it);
        } else {
          ++it;
        }
      }
      connections++;
      std::unique_ptr<Link::Conn> through;
      if (link) {
        auto lc = link->attach(fd);
        if (!lc.ok()) continue;
        through = std::move(*lc);
        fd = through->inner_fd();
      }
      Conn& c = conns.emplace_back();
      c.client = fd;
      c.link = std::move(through);
      c.thread = std::thread([this, &c] { serve(c); });
    }
  }
};

FaultProxy::FaultProxy(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FaultProxy::~FaultProxy() = default;

Result<std::unique_ptr<FaultProxy>> FaultProxy::start(const std::string& upstream, std::vector<FaultRule> rules,
                                                      FaultProxyOptions options) {
  DL_ASSIGN_OR_RETURN(auto hp, split_upstream(upstream));
  DL_TRY(FaultSchedule::validate(rules));
  auto impl = std::make_unique<Impl>();
  impl->upstream_host = hp.first;
  impl->upstream_port = hp.second;
  impl->opts = std::move(options);
  impl->schedule.replace(std::move(rules), "");
  if (impl->opts.link.active()) impl->link = std::make_unique<Link>(impl->opts.link);
  if (!impl->opts.log_path.empty()) DL_TRY(impl->schedule.open_log(impl->opts.log_path));
  if (!impl->opts.rules_file.empty()) DL_TRY(impl->schedule.watch_file(impl->opts.rules_file));
  impl->listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(impl->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(impl->opts.listen_port));
  if (::bind(impl->listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(impl->listen_fd, 128) != 0)
    return io_error("fault proxy: cannot listen on 127.0.0.1:" + std::to_string(impl->opts.listen_port) + ": " +
                    std::strerror(errno));
  socklen_t len = sizeof addr;
  ::getsockname(impl->listen_fd, reinterpret_cast<sockaddr*>(&addr), &len);
  impl->port = ntohs(addr.sin_port);
  if (::pipe2(impl->wake, O_CLOEXEC) != 0) return io_error("pipe failed");
  Impl* raw = impl.get();
  impl->acceptor = std::thread([raw] { raw->accept_loop(); });
  return std::unique_ptr<FaultProxy>(new FaultProxy(std::move(impl)));
}

Result<std::unique_ptr<FaultProxy>> FaultProxy::start(const std::string& upstream, std::string_view schedule,
                                                      FaultProxyOptions options) {
  std::string text(schedule);
  for (char& ch : text)
    if (ch == ';') ch = '\n';
  DL_ASSIGN_OR_RETURN(auto rules, parse_fault_rules(text, "schedule"));
  return start(upstream, std::move(rules), std::move(options));
}

int FaultProxy::port() const { return impl_->port; }
std::string FaultProxy::host() const { return "127.0.0.1:" + std::to_string(impl_->port); }
std::string FaultProxy::base_url() const { return "http://" + host(); }

Status FaultProxy::set_rules(std::vector<FaultRule> rules) {
  DL_TRY(FaultSchedule::validate(rules));
  impl_->schedule.replace(std::move(rules), "rules-set");
  return {};
}

FaultCounters FaultProxy::counters() const {
  FaultCounters c = impl_->schedule.counters();
  if (impl_->link) c.link = impl_->link->counters();
  c.connections = impl_->connections;
  return c;
}

size_t peak_in_flight(const std::vector<RequestRecord>& requests) {
  // +1 at each read, -1 at each answer; an answer at the same instant as a
  // read counts first, so back-to-back requests are never "in flight" together.
  std::vector<std::pair<std::chrono::steady_clock::time_point, int>> events;
  for (const auto& r : requests) {
    if (r.status == 0) continue;  // never answered
    events.emplace_back(r.read_at, +1);
    events.emplace_back(r.answered_at, -1);
  }
  std::sort(events.begin(), events.end());
  size_t open = 0, peak = 0;
  for (const auto& [at, delta] : events) {
    open = delta > 0 ? open + 1 : open - 1;
    peak = std::max(peak, open);
  }
  return peak;
}

std::vector<RequestRecord> FaultProxy::requests() const {
  std::lock_guard<std::mutex> lock(impl_->req_mu);
  return impl_->request_log;
}

void FaultProxy::clear_requests() {
  std::lock_guard<std::mutex> lock(impl_->req_mu);
  impl_->request_log.clear();
}
std::vector<std::string> FaultProxy::fault_log() const { return impl_->schedule.log(); }

}  // namespace dl::test
