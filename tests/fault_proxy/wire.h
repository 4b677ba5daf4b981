// HTTP/1.1 message framing for the fault proxy: read a head, then copy a body
// verbatim (Content-Length, chunked or until-close) with a byte budget, so the
// proxy forwards bytes exactly and can cut a body after K bytes.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace dl::test::wire {

// A socket with a read-ahead buffer.
class Reader {
 public:
  explicit Reader(int fd) : fd_(fd) {}
  int fd() const { return fd_; }
  // Reads until "\r\n\r\n"; false on EOF/error/oversized head.
  bool read_head(std::string& head);
  // Up to `max` bytes: buffered first, else one recv. 0 on EOF/error.
  size_t read_some(char* out, size_t max);
  // True when the peer opened with a TLS handshake record (an https client
  // probing a plain port). Blocks for the first bytes.
  bool starts_with_tls_handshake();
  // One CRLF-terminated line including the CRLF; false on EOF.
  bool read_line(std::string& line);

 private:
  bool fill();
  int fd_;
  std::string buf_;
  size_t pos_ = 0;
};

struct Head {
  std::string first_line;  // request line or status line
  std::vector<std::pair<std::string, std::string>> headers;
  std::string method, target;                                               // requests
  int status = 0;                                                           // responses
  std::string header(const std::string& name) const;                        // case-insensitive, "" if absent
  bool has_token(const std::string& name, const std::string& token) const;  // e.g. Connection: close
  void remove(const std::string& name);
  void set(const std::string& name, const std::string& value);
  std::string serialize() const;
};

bool parse_request_head(const std::string& raw, Head& head);
bool parse_response_head(const std::string& raw, Head& head);

enum class Framing { none, length, chunked, until_close };
struct BodyFraming {
  Framing kind = Framing::none;
  std::uint64_t length = 0;
};
BodyFraming request_framing(const Head& head);
BodyFraming response_framing(const Head& head, const std::string& request_method);

enum class CopyResult { done, budget_exhausted, source_closed, sink_failed };
// Copies one body from `src` to `dst_fd` (-1: discard), stopping after
// `budget` bytes (-1: unlimited). `copied` counts the bytes written.
CopyResult copy_body(Reader& src, int dst_fd, const BodyFraming& framing, std::int64_t budget, std::uint64_t& copied);

bool send_all(int fd, const char* data, size_t len);
inline bool send_all(int fd, const std::string& s) { return send_all(fd, s.data(), s.size()); }

}  // namespace dl::test::wire
