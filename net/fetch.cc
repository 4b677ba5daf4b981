#include "net/fetch.h"

#include "net/url.h"

namespace dl::net {

// A URL's own userinfo ("https://user:pw@h/simple") is sent by libcurl to
// that URL only: a redirect is resolved into a new URL, and one on another
// host carries no userinfo.
Status get_to_sink(HttpClient& http, const std::string& url, const BodySink& sink, uint64_t max_bytes) {
  DL_TRY(require_http_url(url, "URL " + redact_url(url)));
  Request req;
  req.url = url;
  uint64_t got = 0;
  BodySink capped = [&](const char* d, size_t n) -> Status {
    got += n;
    if (got > max_bytes)
      return Error(ErrorKind::remote, "body larger than the limit of " + std::to_string(max_bytes) + " bytes");
    return sink(d, n);
  };
  auto r = http.send(req, capped);
  if (!r.ok()) return r.error();
  if (r->status < 200 || r->status >= 300) return http_error("GET", url, *r);
  return {};
}

Result<std::string> get_text(HttpClient& http, const std::string& url, size_t max_bytes) {
  std::string body;
  DL_TRY(get_to_sink(
      http, url,
      [&](const char* d, size_t n) -> Status {
        body.append(d, n);
        return {};
      },
      max_bytes));
  return body;
}

HttpClient& default_client() {
  static HttpClient* c = new HttpClient();  // leaked: lives as long as the process
  return *c;
}

}  // namespace dl::net
