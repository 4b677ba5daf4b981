#include "tests/support/http_client.h"

#include <strings.h>

#include <algorithm>

#include "base/base64.h"
#include "base/strings.h"
#include "net/http.h"

namespace dl::test {
std::string HttpReply::header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (strcasecmp(k.c_str(), name.c_str()) == 0) return v;
  return "";
}

Result<HttpReply> http_request(const std::string& url, const HttpRequest& req) {
  net::TransportOptions t;
  t.ca_file = req.ca_file;
  t.certs_dir.clear();
  t.retry.max_attempts = 1;
  t.deadline_s = std::max(1L, req.timeout_ms / 1000);
  t.proxy = {};
  net::HttpClient http(t);
  net::Request r;
  r.method = req.method;
  r.url = url;
  r.body = req.body;
  r.follow_redirects = false;
  r.retry = false;
  for (const auto& h : req.headers) {
    auto colon = h.find(':');
    if (colon != std::string::npos) r.headers.add(h.substr(0, colon), trim(h.substr(colon + 1)));
  }
  if (!req.username.empty())
    r.headers.set("Authorization", "Basic " + base64_encode(req.username + ":" + req.password));
  std::string body;
  auto resp = http.send(r, [&](const char* d, size_t n) -> Status {
    body.append(d, n);
    return {};
  });
  if (!resp.ok()) return Error(ErrorKind::network, resp.error().message(), true);
  HttpReply reply;
  reply.status = resp->status;
  reply.headers = resp->headers.items();
  reply.body = resp->streamed > 0 ? body : resp->body;
  return reply;
}

}  // namespace dl::test
