#include "tests/support/hostile_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <thread>

#include "base/sha256.h"

namespace dl::test {

std::string SeenRequest::header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (strcasecmp(k.c_str(), name.c_str()) == 0) return v;
  return "";
}

std::string SeenRequest::path() const { return target.substr(0, target.find('?')); }

struct HostileServer::Impl {
  Handler handler;
  int fd = -1, port = 0;
  std::atomic<bool> stop{false};
  std::thread acceptor;
  mutable std::mutex mu;
  std::vector<SeenRequest> seen;
  std::vector<std::thread> workers;

  bool read_some(int c, std::string& buf) {
    pollfd p{c, POLLIN, 0};
    while (!stop) {
      int r = ::poll(&p, 1, 100);
      if (r < 0) return false;
      if (r == 0) continue;
      char tmp[8192];
      ssize_t n = ::read(c, tmp, sizeof tmp);
      if (n <= 0) return false;
      buf.append(tmp, static_cast<size_t>(n));
      return true;
    }
    return false;
  }

  bool send_all(int c, std::string_view s) {
    while (!s.empty() && !stop) {
      ssize_t n = ::send(c, s.data(), s.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      s.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  void serve(int c) {
    std::string buf;
    while (buf.find("\r\n\r\n") == std::string::npos)
      if (!read_some(c, buf)) return (void)::close(c);
    size_t head_end = buf.find("\r\n\r\n");
    SeenRequest req;
    std::string head = buf.substr(0, head_end);
    std::string rest = buf.substr(head_end + 4);
    size_t eol = head.find("\r\n");
    std::string line = head.substr(0, eol);
    size_t sp1 = line.find(' '), sp2 = line.rfind(' ');
    req.method = line.substr(0, sp1);
    req.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    for (size_t i = eol; i != std::string::npos && i < head.size();) {
      size_t next = head.find("\r\n", i + 2);
      std::string h = head.substr(i + 2, next == std::string::npos ? std::string::npos : next - i - 2);
      auto colon = h.find(':');
      if (colon != std::string::npos) {
        size_t v = h.find_first_not_of(' ', colon + 1);
        req.headers.emplace_back(h.substr(0, colon), v == std::string::npos ? "" : h.substr(v));
      }
      i = next;
    }
    if (strcasecmp(req.header("Expect").c_str(), "100-continue") == 0) send_all(c, "HTTP/1.1 100 Continue\r\n\r\n");
    if (!req.header("Content-Length").empty()) {
      size_t want = std::stoul(req.header("Content-Length"));
      while (rest.size() < want && read_some(c, rest)) {
      }
      req.body = rest.substr(0, want);
    } else if (strcasecmp(req.header("Transfer-Encoding").c_str(), "chunked") == 0) {
      while (rest.find("\r\n0\r\n\r\n") == std::string::npos && rest.rfind("0\r\n\r\n", 0) != 0 && read_some(c, rest)) {
      }
      for (size_t i = 0; i < rest.size();) {
        size_t e = rest.find("\r\n", i);
        if (e == std::string::npos) break;
        size_t n = std::stoul(rest.substr(i, e - i), nullptr, 16);
        if (n == 0) break;
        req.body += rest.substr(e + 2, n);
        i = e + 2 + n + 2;
      }
    }
    {
      std::lock_guard<std::mutex> l(mu);
      seen.push_back(req);
    }
    CannedReply rep = handler(req);
    std::string out = "HTTP/1.1 " + std::to_string(rep.status) + " X\r\n";
    bool has_length = false;
    for (const auto& [k, v] : rep.headers) {
      out += k + ": " + v + "\r\n";
      if (strcasecmp(k.c_str(), "Content-Length") == 0) has_length = true;
    }
    if (!has_length) out += "Content-Length: " + std::to_string(rep.body.size()) + "\r\n";
    out += "Connection: close\r\n\r\n";
    if (req.method != "HEAD") out += rep.body;
    if (rep.trickle_bytes_per_s > 0) {
      for (size_t i = 0; i < out.size() && !stop; ++i) {
        if (!send_all(c, std::string_view(out).substr(i, 1))) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(1000 / rep.trickle_bytes_per_s));
      }
    } else if (rep.chunks > 1) {
      size_t step = (out.size() + rep.chunks - 1) / rep.chunks;
      for (size_t i = 0; i < out.size() && !stop; i += step) {
        if (!send_all(c, std::string_view(out).substr(i, step))) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(rep.chunk_delay_ms));
      }
    } else {
      send_all(c, out);
    }
    ::shutdown(c, SHUT_WR);
    ::close(c);
  }
};

HostileServer::HostileServer(Handler handler) : impl_(std::make_unique<Impl>()) {
  impl_->handler = std::move(handler);
  impl_->fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(impl_->fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) std::abort();  // loopback, port 0
  socklen_t len = sizeof a;
  ::getsockname(impl_->fd, reinterpret_cast<sockaddr*>(&a), &len);
  impl_->port = ntohs(a.sin_port);
  ::listen(impl_->fd, 64);
  Impl* im = impl_.get();
  impl_->acceptor = std::thread([im] {
    while (!im->stop) {
      pollfd p{im->fd, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      int c = ::accept4(im->fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      std::lock_guard<std::mutex> l(im->mu);
      im->workers.emplace_back([im, c] { im->serve(c); });
    }
  });
}

HostileServer::~HostileServer() {
  impl_->stop = true;
  impl_->acceptor.join();
  std::vector<std::thread> ws;
  {
    std::lock_guard<std::mutex> l(impl_->mu);
    ws.swap(impl_->workers);
  }
  for (auto& w : ws) w.join();
  ::close(impl_->fd);
}

int HostileServer::port() const { return impl_->port; }
std::string HostileServer::host() const { return "127.0.0.1:" + std::to_string(impl_->port); }
std::string HostileServer::url() const { return "http://" + host(); }

std::vector<SeenRequest> HostileServer::requests() const {
  std::lock_guard<std::mutex> l(impl_->mu);
  return impl_->seen;
}

HostileServer::Handler registry_that_stores_nothing() {
  auto manifests = std::make_shared<std::map<std::string, std::pair<std::string, std::string>>>();
  auto mu = std::make_shared<std::mutex>();
  return [manifests, mu](const SeenRequest& r) -> CannedReply {
    std::string p = r.path();
    if (p == "/v2/" || p == "/v2") return {200, {}, "{}"};
    if (p.find("/blobs/uploads/") != std::string::npos) {
      if (r.method == "POST") return {202, {{"Location", "/v2/x/blobs/uploads/u1"}}, ""};
      if (r.method == "PUT") return {201, {}, ""};  // "stored"
      return {202, {{"Range", "0-0"}}, ""};
    }
    if (p.find("/blobs/") != std::string::npos) return {404, {}, R"({"errors":[{"code":"BLOB_UNKNOWN"}]})"};
    auto m = p.find("/manifests/");
    if (m != std::string::npos) {
      std::string name = p.substr(m + 11);
      std::lock_guard<std::mutex> l(*mu);
      if (r.method == "PUT") {
        std::string digest = "sha256:" + Sha256::hex(r.body);
        (*manifests)[name] = {r.header("Content-Type"), r.body};
        (*manifests)[digest] = {r.header("Content-Type"), r.body};
        return {201, {{"Docker-Content-Digest", digest}}, ""};
      }
      auto it = manifests->find(name);
      if (it == manifests->end()) return {404, {}, R"({"errors":[{"code":"MANIFEST_UNKNOWN"}]})"};
      return {
          200,
          {{"Content-Type", it->second.first}, {"Docker-Content-Digest", "sha256:" + Sha256::hex(it->second.second)}},
          it->second.second};
    }
    return {404, {}, ""};
  };
}

HostileServer::Handler endless_tag_pages(bool loop) {
  return [loop](const SeenRequest& r) -> CannedReply {
    if (r.path() == "/v2/" || r.path() == "/v2") return {200, {}, "{}"};
    std::string target = r.target;
    int page = 0;
    if (auto at = target.find("last=t"); at != std::string::npos) page = std::atoi(target.c_str() + at + 6) + 1;
    std::string next = loop && page >= 2 ? r.path() : r.path() + "?last=t" + std::to_string(page);
    return {200,
            {{"Content-Type", "application/json"}, {"Link", "<" + next + ">; rel=\"next\""}},
            R"({"name":"x","tags":["t)" + std::to_string(page) + R"("]})"};
  };
}

}  // namespace dl::test
