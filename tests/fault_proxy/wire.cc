#include "tests/fault_proxy/wire.h"

#include <strings.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdlib>

#include "base/strings.h"

namespace dl::test::wire {

bool send_all(int fd, const char* data, size_t len) {
  while (len > 0) {
    ssize_t n = ::send(fd, data, len, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    len -= static_cast<size_t>(n);
  }
  return true;
}

bool Reader::fill() {
  if (pos_ > 0 && pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  }
  char tmp[65536];
  for (;;) {
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }
}

bool Reader::read_head(std::string& head) {
  for (;;) {
    size_t end = buf_.find("\r\n\r\n", pos_);
    if (end != std::string::npos) {
      head = buf_.substr(pos_, end + 4 - pos_);
      pos_ = end + 4;
      return true;
    }
    if (buf_.size() - pos_ > 256 * 1024) return false;
    if (!fill()) return false;
  }
}

bool Reader::starts_with_tls_handshake() {
  if (pos_ == buf_.size() && !fill()) return false;
  return static_cast<unsigned char>(buf_[pos_]) == 0x16;
}

bool Reader::read_line(std::string& line) {
  for (;;) {
    size_t end = buf_.find("\r\n", pos_);
    if (end != std::string::npos) {
      line = buf_.substr(pos_, end + 2 - pos_);
      pos_ = end + 2;
      return true;
    }
    if (buf_.size() - pos_ > 64 * 1024) return false;
    if (!fill()) return false;
  }
}

size_t Reader::read_some(char* out, size_t max) {
  if (pos_ == buf_.size() && !fill()) return 0;
  size_t n = std::min(max, buf_.size() - pos_);
  buf_.copy(out, n, pos_);
  pos_ += n;
  return n;
}

std::string Head::header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (strcasecmp(k.c_str(), name.c_str()) == 0) return v;
  return "";
}

bool Head::has_token(const std::string& name, const std::string& token) const {
  for (const auto& [k, v] : headers) {
    if (strcasecmp(k.c_str(), name.c_str()) != 0) continue;
    for (const auto& t : split(v, ','))
      if (strcasecmp(trim(t).c_str(), token.c_str()) == 0) return true;
  }
  return false;
}

void Head::remove(const std::string& name) {
  std::erase_if(headers, [&](const auto& kv) { return strcasecmp(kv.first.c_str(), name.c_str()) == 0; });
}

void Head::set(const std::string& name, const std::string& value) {
  for (auto& [k, v] : headers)
    if (strcasecmp(k.c_str(), name.c_str()) == 0) {
      v = value;
      return;
    }
  headers.emplace_back(name, value);
}

std::string Head::serialize() const {
  std::string out = first_line + "\r\n";
  for (const auto& [k, v] : headers) out += k + ": " + v + "\r\n";
  return out + "\r\n";
}

namespace {

bool parse_common(const std::string& raw, Head& head) {
  auto lines = split(raw, '\n');
  if (lines.empty()) return false;
  head.first_line = trim(lines[0]);
  head.headers.clear();
  for (size_t i = 1; i < lines.size(); ++i) {
    std::string line = lines[i];
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    auto colon = line.find(':');
    if (colon == std::string::npos) return false;
    head.headers.emplace_back(line.substr(0, colon), trim(line.substr(colon + 1)));
  }
  return true;
}

}  // namespace

bool parse_request_head(const std::string& raw, Head& head) {
  if (!parse_common(raw, head)) return false;
  auto parts = split(head.first_line, ' ');
  if (parts.size() != 3 || !starts_with(parts[2], "HTTP/1.")) return false;
  head.method = parts[0];
  head.target = parts[1];
  return true;
}

bool parse_response_head(const std::string& raw, Head& head) {
  if (!parse_common(raw, head)) return false;
  if (!starts_with(head.first_line, "HTTP/1.") || head.first_line.size() < 12) return false;
  head.status = std::atoi(head.first_line.substr(9, 3).c_str());
  return head.status >= 100;
}

BodyFraming request_framing(const Head& head) {
  if (head.has_token("Transfer-Encoding", "chunked")) return {Framing::chunked, 0};
  std::string cl = head.header("Content-Length");
  if (!cl.empty()) {
    std::uint64_t n = std::strtoull(cl.c_str(), nullptr, 10);
    return n ? BodyFraming{Framing::length, n} : BodyFraming{};
  }
  return {};
}

BodyFraming response_framing(const Head& head, const std::string& request_method) {
  if (request_method == "HEAD" || head.status < 200 || head.status == 204 || head.status == 304) return {};
  if (head.has_token("Transfer-Encoding", "chunked")) return {Framing::chunked, 0};
  std::string cl = head.header("Content-Length");
  if (!cl.empty()) {
    std::uint64_t n = std::strtoull(cl.c_str(), nullptr, 10);
    return n ? BodyFraming{Framing::length, n} : BodyFraming{};
  }
  return {Framing::until_close, 0};
}

namespace {

// Copies exactly `n` bytes (or up to EOF when n is UINT64_MAX) under a budget.
CopyResult copy_n(Reader& src, int dst, std::uint64_t n, std::int64_t& budget, std::uint64_t& copied,
                  bool until_close) {
  char buf[65536];
  while (n > 0) {
    size_t want = static_cast<size_t>(std::min<std::uint64_t>(n, sizeof buf));
    if (budget >= 0) {
      if (budget == 0) return CopyResult::budget_exhausted;
      want = std::min(want, static_cast<size_t>(budget));
    }
    size_t got = src.read_some(buf, want);
    if (got == 0) return until_close ? CopyResult::done : CopyResult::source_closed;
    if (dst >= 0 && !send_all(dst, buf, got)) return CopyResult::sink_failed;
    copied += got;
    if (!until_close) n -= got;
    if (budget >= 0) budget -= static_cast<std::int64_t>(got);
  }
  return CopyResult::done;
}

CopyResult copy_text(const std::string& s, int dst, std::int64_t& budget, std::uint64_t& copied) {
  size_t n = s.size();
  bool cut = budget >= 0 && static_cast<std::int64_t>(n) > budget;
  if (cut) n = static_cast<size_t>(budget);
  if (dst >= 0 && n && !send_all(dst, s.data(), n)) return CopyResult::sink_failed;
  copied += n;
  if (budget >= 0) budget -= static_cast<std::int64_t>(n);
  return cut ? CopyResult::budget_exhausted : CopyResult::done;
}

}  // namespace

CopyResult copy_body(Reader& src, int dst, const BodyFraming& framing, std::int64_t budget, std::uint64_t& copied) {
  switch (framing.kind) {
    case Framing::none: return CopyResult::done;
    case Framing::length: return copy_n(src, dst, framing.length, budget, copied, false);
    case Framing::until_close: return copy_n(src, dst, UINT64_MAX, budget, copied, true);
    case Framing::chunked: break;
  }
  // Chunked: forward the framing verbatim while following it.
  for (;;) {
    std::string line;
    if (!src.read_line(line)) return CopyResult::source_closed;
    if (auto r = copy_text(line, dst, budget, copied); r != CopyResult::done) return r;
    std::uint64_t size = std::strtoull(line.c_str(), nullptr, 16);
    if (size == 0) {
      // Trailers, then the empty line.
      for (;;) {
        if (!src.read_line(line)) return CopyResult::source_closed;
        if (auto r = copy_text(line, dst, budget, copied); r != CopyResult::done) return r;
        if (line == "\r\n") return CopyResult::done;
      }
    }
    if (auto r = copy_n(src, dst, size + 2, budget, copied, false); r != CopyResult::done) return r;
  }
}

}  // namespace dl::test::wire
