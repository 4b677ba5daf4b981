// The one HTTP/1.1 client of dlimage, on libcurl: registries, wheel
// indexes and downloads, artifacts and OS packages all go through it, so
// they share one set of rules.
//
// - Bodies stream both ways: requests pull from a reader (reopened for
//   every attempt), responses push into a sink. Nothing is buffered whole
//   except small bodies (manifests, error JSON) when no sink is given.
// - Only http and https, for the request and every redirect (libcurl is
//   told so too). Redirects are followed by hand so that the Authorization
//   header is dropped whenever the next hop is another origin (Docker Hub
//   sends blob GETs to a CDN that must never see the registry token), and an
//   https -> http redirect is refused unless it lands on loopback.
// - Bounds: an overall deadline per send() (redirects and retries
//   included) and a no-progress deadline (slower than low_speed_limit bytes/s
//   for low_speed_time_s is cut, and not retried); bodies kept in memory are
//   capped.
// - Proxies from the environment (net/proxy.h), never for loopback.
// - tls_verify=false is recorded per host and reported once per run
//   (insecure_warning()).
// - Connection errors, 408, 429 and 5xx are retried with jittered
//   exponential backoff, honouring Retry-After, while the response sink has
//   received nothing. RateLimit-* headers slow requests down before the
//   budget runs out.
// - Non-2xx statuses are Responses, not Errors: callers decide (a 404 on a
//   HEAD is an answer). http_error() turns one into an Error.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "net/proxy.h"
#include "net/retry.h"

namespace dl::net {

class Headers {
 public:
  void add(std::string name, std::string value);
  // Replaces every header of that name.
  void set(std::string name, std::string value);
  void remove(std::string_view name);
  // Case-insensitive; the first value.
  std::optional<std::string> get(std::string_view name) const;
  std::string get_or(std::string_view name, std::string fallback = "") const;
  std::vector<std::string> get_all(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

// Fills up to `cap` bytes; returns 0 at the end of the body.
using BodyReader = std::function<Result<size_t>(char* buf, size_t cap)>;
using BodyOpener = std::function<Result<BodyReader>()>;
using BodySink = std::function<Status(const char* data, size_t len)>;

struct Request {
  std::string method = "GET";
  std::string url;
  Headers headers;
  std::string body;        // used when open_body is empty
  BodyOpener open_body;    // streamed body, opened once per attempt
  int64_t body_size = -1;  // Content-Length for open_body; -1 = chunked
  bool follow_redirects = true;
  bool retry = true;
  // Statuses whose body goes to the sink; empty means every 2xx. A resumed
  // download sets {206} so that a full 200 body is never appended.
  std::vector<int> sink_statuses;
};

struct Response {
  int status = 0;
  std::string url;  // final URL, after redirects
  Headers headers;
  std::string body;       // non-2xx bodies, or 2xx bodies when no sink was given
  uint64_t streamed = 0;  // bytes handed to the sink
  int attempts = 0;
  // What to try, added by whoever understands the answer (the registry
  // authenticator on a 401: which credentials, from which file; `dlimage
  // login`); http_error() appends it.
  std::string hint;
};

struct TransportOptions {
  std::string ca_file;  // extra trusted CA (PEM), e.g. a test CA
  bool tls_verify = true;
  // <certs_dir>/<host[:port]>/ca.crt is trusted for that host when present,
  // as Docker does with /etc/docker/certs.d.
  std::string certs_dir = "/etc/docker/certs.d";
  long connect_timeout_s = 30;
  // No-progress deadline: a transfer moving fewer than low_speed_limit
  // bytes/s for low_speed_time_s seconds is cut (a slowloris server
  // trickling bytes "makes progress" by one byte, not by this measure).
  long low_speed_time_s = 30;
  long low_speed_limit = 512;
  // Overall deadline of one send(), redirects and retries included; 0 = none.
  long deadline_s = 2 * 3600;
  size_t max_buffered_body = 8 << 20;  // cap for bodies kept in memory
  ProxyConfig proxy = ProxyConfig::from_env();
  int max_redirects = 10;
  std::string user_agent = "dlimage/0.1";
  RetryPolicy retry;
  // One line per exchange ("GET <redacted url> -> 200"); never headers.
  std::function<void(const std::string&)> log;
};

class HttpClient {
 public:
  explicit HttpClient(TransportOptions opts = {}, std::shared_ptr<Clock> clock = system_clock());
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Thread-safe; connections are kept alive and reused across calls.
  Result<Response> send(const Request& req, const BodySink& sink = {});

  const TransportOptions& options() const { return opts_; }
  Clock& clock() { return *clock_; }

 private:
  struct Impl;
  TransportOptions opts_;
  std::shared_ptr<Clock> clock_;
  std::unique_ptr<Impl> impl_;
};

// One registry error from a JSON body {"errors":[{"code":..,"message":..}]}.
struct RegistryError {
  std::string code, message;
};
std::vector<RegistryError> parse_registry_errors(std::string_view body);
bool has_registry_error(const Response& resp, std::string_view code);

// "PUT https://h/v2/x/blobs/uploads/u?_state=REDACTED: 400 Bad Request:
// BLOB_UPLOAD_INVALID: blob upload invalid". Temporary for retryable
// statuses; kind not_found for 404, remote otherwise.
Error http_error(std::string_view method, std::string_view url, const Response& resp);

std::string status_text(int status);

// Hosts contacted over https with tls_verify=false in this process, and the
// one warning line naming them ("" when none). The line is printed to stderr
// once, when the process exits.
std::vector<std::string> insecure_hosts();
std::string insecure_warning();

}  // namespace dl::net
