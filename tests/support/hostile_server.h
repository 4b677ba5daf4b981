// Small hostile HTTP servers, for what a real registry never does: redirect
// to a CDN that challenges, name a token realm on another host, redirect to
// file:// or gopher://, answer 201 and store nothing, paginate forever,
// trickle two bytes a second. Each runs on its own threads on 127.0.0.1:<free
// port>, one request per connection ("Connection: close"), and records every
// request it saw.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace dl::test {

struct SeenRequest {
  std::string method, target;  // "GET", "/v2/x/blobs/sha256:..?a=b"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string header(const std::string& name) const;  // case-insensitive, "" when absent
  std::string path() const;                           // target without the query
};

struct CannedReply {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // > 0: the whole response (head and body) is sent this many bytes a
  // second, a slowloris. `body` may then be long.
  int trickle_bytes_per_s = 0;
  // Sent at full speed but in `chunks` pieces, `chunk_delay_ms` apart: slow
  // but progressing.
  int chunks = 1;
  int chunk_delay_ms = 0;
};

class HostileServer {
 public:
  using Handler = std::function<CannedReply(const SeenRequest&)>;
  explicit HostileServer(Handler handler);
  ~HostileServer();
  HostileServer(const HostileServer&) = delete;
  HostileServer& operator=(const HostileServer&) = delete;

  int port() const;
  std::string host() const;  // "127.0.0.1:PORT"
  std::string url() const;   // "http://127.0.0.1:PORT"
  std::vector<SeenRequest> requests() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A registry that accepts every upload (202, then 201) and stores no blob:
// blob HEADs always answer 404. Manifests are kept, so tags "exist".
HostileServer::Handler registry_that_stores_nothing();

// GET .../tags/list answers one tag per page and a Link to the next page,
// forever (`loop` = false) or back to the first page (`loop` = true).
HostileServer::Handler endless_tag_pages(bool loop);

}  // namespace dl::test
