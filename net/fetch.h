// Plain GETs for callers that are not a registry: wheel index pages, wheel
// and artifact downloads, OS package indexes and .debs. Same transport, same
// rules (http(s) only, redirects by hand, retries, deadlines, proxies, CA
// and --tls-verify), no credentials unless the URL's own userinfo carries
// them, and then only to that URL's origin.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"
#include "net/http.h"

namespace dl::net {

// Streams a 2xx body into `sink`. Anything else is an error naming the
// redacted URL (kind not_found for 404). `max_bytes` caps the body.
Status get_to_sink(HttpClient& http, const std::string& url, const BodySink& sink, uint64_t max_bytes = UINT64_MAX);

// A small body (an index page, a Release file) kept in memory.
Result<std::string> get_text(HttpClient& http, const std::string& url, size_t max_bytes = 64u << 20);

// A client with default options for callers that were given none.
HttpClient& default_client();

}  // namespace dl::net
