#include "tests/support/token_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/rand.h>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "base/strings.h"
#include "tests/support/pki.h"

namespace dl::test {
namespace {

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string url_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
      out += static_cast<char>(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// "a=1&b=2&b=3" -> pairs, decoded.
std::vector<std::pair<std::string, std::string>> parse_form(std::string_view q) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& part : split(q, '&')) {
    if (part.empty()) continue;
    auto eq = part.find('=');
    if (eq == std::string::npos)
      out.emplace_back(url_decode(part), "");
    else
      out.emplace_back(url_decode(part.substr(0, eq)), url_decode(part.substr(eq + 1)));
  }
  return out;
}

std::string rfc3339(std::time_t t) {
  char buf[32];
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

struct Request {
  std::string method, target, authorization, body;
};

// Reads one request (head + Content-Length body); false on timeout/garbage.
bool read_request(int fd, Request& req) {
  std::string buf;
  char chunk[4096];
  size_t head_end;
  while ((head_end = buf.find("\r\n\r\n")) == std::string::npos) {
    if (buf.size() > 65536) return false;
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buf.append(chunk, static_cast<size_t>(n));
  }
  auto lines = split(std::string_view(buf).substr(0, head_end), '\n');
  auto first = split(trim(lines[0]), ' ');
  if (first.size() < 2) return false;
  req.method = first[0];
  req.target = first[1];
  size_t content_length = 0;
  for (size_t i = 1; i < lines.size(); ++i) {
    auto colon = lines[i].find(':');
    if (colon == std::string::npos) continue;
    std::string name = to_lower(trim(lines[i].substr(0, colon)));
    std::string value = trim(lines[i].substr(colon + 1));
    if (name == "authorization") req.authorization = value;
    if (name == "content-length") content_length = std::strtoul(value.c_str(), nullptr, 10);
  }
  req.body = buf.substr(head_end + 4);
  while (req.body.size() < content_length) {
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    req.body.append(chunk, static_cast<size_t>(n));
  }
  return true;
}

std::string response(int status, const std::string& reason, const std::string& body,
                     const std::string& extra_headers = "") {
  return "HTTP/1.1 " + std::to_string(status) + " " + reason +
         "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n" + extra_headers + "\r\n" + body;
}

}  // namespace

struct TokenServer::Impl {
  TokenServerConfig cfg;
  int listen_fd = -1;
  int wake[2] = {-1, -1};
  int port = 0;
  std::atomic<std::uint64_t> requests{0};
  mutable std::mutex mu;
  std::vector<std::string> scopes;
  std::thread thread;

  void serve() {
    for (;;) {
      pollfd pfd[2] = {{listen_fd, POLLIN, 0}, {wake[0], POLLIN, 0}};
      if (::poll(pfd, 2, -1) < 0) {
        if (errno == EINTR) continue;
        return;
      }
      if (pfd[1].revents) return;
      int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      // Requests are tiny and handled inline; the timeout keeps an idle
      // client from stalling the others.
      timeval tv{2, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      Request req;
      if (read_request(fd, req)) {
        std::string reply = handle(req);
        ++requests;  // before sending, so a client that got its answer sees the count
        send_all(fd, reply);
      }
      ::shutdown(fd, SHUT_WR);
      ::close(fd);
    }
  }

  std::string handle(const Request& req) {
    std::string path = req.target, query;
    auto qm = path.find('?');
    if (qm != std::string::npos) {
      query = path.substr(qm + 1);
      path = path.substr(0, qm);
    }
    if (path != "/token") return response(404, "Not Found", R"({"error":"not_found"})");

    std::string user, pass, service;
    std::vector<std::string> scope_list;
    bool has_credentials = false;
    if (starts_with(req.authorization, "Basic ") || starts_with(req.authorization, "basic ")) {
      std::string decoded = base64_decode(req.authorization.substr(6)).value_or("");
      auto colon = decoded.find(':');
      user = decoded.substr(0, colon);
      pass = colon == std::string::npos ? "" : decoded.substr(colon + 1);
      has_credentials = true;
    }
    if (req.method == "GET") {
      for (const auto& [k, v] : parse_form(query)) {
        if (k == "scope") {
          for (const auto& s : split(v, ' '))
            if (!s.empty()) scope_list.push_back(s);
        }
        if (k == "service") service = v;
      }
    } else if (req.method == "POST") {
      std::string grant;
      for (const auto& [k, v] : parse_form(req.body)) {
        if (k == "grant_type") grant = v;
        if (k == "username") {
          user = v;
          has_credentials = true;
        }
        if (k == "password") pass = v;
        if (k == "service") service = v;
        if (k == "scope")
          for (const auto& s : split(v, ' '))
            if (!s.empty()) scope_list.push_back(s);
      }
      if (grant != "password") return response(400, "Bad Request", R"({"error":"unsupported_grant_type"})");
    } else {
      return response(405, "Method Not Allowed", R"({"error":"method_not_allowed"})");
    }
    {
      std::lock_guard<std::mutex> lock(mu);
      for (const auto& s : scope_list) scopes.push_back(s);
    }
    if (!service.empty() && service != cfg.service)
      return response(400, "Bad Request", R"({"error":"invalid_request","error_description":"unknown service"})");
    if (has_credentials && (user != cfg.username || pass != cfg.password))
      return response(401, "Unauthorized", R"({"error":"invalid_grant","details":"bad credentials"})",
                      "WWW-Authenticate: Basic realm=\"dlimage-token\"\r\n");
    if (!has_credentials) user.clear();

    nlohmann::json access = nlohmann::json::array();
    for (const auto& scope : scope_list) {
      auto first = scope.find(':');
      auto last = scope.rfind(':');
      if (first == std::string::npos || first == last) continue;
      std::vector<std::string> granted;
      for (const auto& action : split(scope.substr(last + 1), ',')) {
        if (action.empty()) continue;
        if (has_credentials || action == "pull") granted.push_back(action);
      }
      if (granted.empty()) continue;
      access.push_back({{"type", scope.substr(0, first)},
                        {"name", scope.substr(first + 1, last - first - 1)},
                        {"actions", granted}});
    }
    std::time_t now = std::time(nullptr);
    unsigned char rnd[12];
    RAND_bytes(rnd, sizeof rnd);
    nlohmann::json claims = {{"iss", cfg.issuer},
                             {"sub", user},
                             {"aud", cfg.service},
                             {"exp", now + cfg.ttl_seconds},
                             {"nbf", now - 1},
                             {"iat", now},
                             {"jti", base64_encode(std::string(reinterpret_cast<char*>(rnd), sizeof rnd), Base64::url)},
                             {"access", access}};
    nlohmann::json header = {{"typ", "JWT"}, {"alg", "ES256"}, {"x5c", {base64_encode(cfg.signing_cert_der)}}};
    auto jwt = sign_es256_jws(header.dump(), claims.dump(), cfg.signing_key_pem);
    if (!jwt.ok()) return response(500, "Internal Server Error", R"({"error":"signing failed"})");
    nlohmann::json body = {
        {"token", *jwt}, {"access_token", *jwt}, {"expires_in", cfg.ttl_seconds}, {"issued_at", rfc3339(now)}};
    return response(200, "OK", body.dump());
  }
};

TokenServer::TokenServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<TokenServer>> TokenServer::start(TokenServerConfig config) {
  auto impl = std::make_unique<Impl>();
  impl->cfg = std::move(config);
  impl->listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (impl->listen_fd < 0) return io_error(std::string("socket: ") + std::strerror(errno));
  int one = 1;
  ::setsockopt(impl->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(impl->listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(impl->listen_fd, 64) != 0) {
    int e = errno;
    ::close(impl->listen_fd);
    return io_error(std::string("token server bind/listen: ") + std::strerror(e));
  }
  socklen_t len = sizeof addr;
  ::getsockname(impl->listen_fd, reinterpret_cast<sockaddr*>(&addr), &len);
  impl->port = ntohs(addr.sin_port);
  if (::pipe2(impl->wake, O_CLOEXEC) != 0) {
    ::close(impl->listen_fd);
    return io_error("pipe failed");
  }
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->serve(); });
  return std::unique_ptr<TokenServer>(new TokenServer(std::move(impl)));
}

TokenServer::~TokenServer() {
  if (!impl_) return;
  char c = 'x';
  ssize_t n = ::write(impl_->wake[1], &c, 1);
  (void)n;
  if (impl_->thread.joinable()) impl_->thread.join();
  ::close(impl_->listen_fd);
  ::close(impl_->wake[0]);
  ::close(impl_->wake[1]);
}

int TokenServer::port() const { return impl_->port; }
std::string TokenServer::realm() const { return "http://127.0.0.1:" + std::to_string(impl_->port) + "/token"; }
const TokenServerConfig& TokenServer::config() const { return impl_->cfg; }
std::uint64_t TokenServer::requests() const { return impl_->requests.load(); }
std::vector<std::string> TokenServer::scopes_seen() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->scopes;
}

}  // namespace dl::test
