// A tiny blocking HTTP client for tests that poke a registry or a token
// server directly: readiness probes, status/header assertions. One exchange,
// no redirects, no retries, over net/ (the only libcurl user).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/result.h"

namespace dl::test {

struct HttpRequest {
  std::string method = "GET";
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
  std::string ca_file;             // trust this CA (PEM) for https
  std::string username, password;  // basic auth when username is set
  long timeout_ms = 10000;
};

struct HttpReply {
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // in order, names as sent
  std::string body;
  // First header with this (case-insensitive) name, or "".
  std::string header(const std::string& name) const;
};

// Error (kind network, temporary) only when no HTTP answer was received.
Result<HttpReply> http_request(const std::string& url, const HttpRequest& req = {});

}  // namespace dl::test
