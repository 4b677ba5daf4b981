// Minimal HTTP(S) GET over libcurl for wheel indexes and downloads. Bodies
// stream to a callback; nothing is buffered here. Errors name the URL
// (without credentials) and are temporary for connection failures, 5xx and 429.
#pragma once

#include <functional>
#include <string>

#include "base/result.h"

namespace dl::wheel {

using BodySink = std::function<Status(const char* data, size_t len)>;

Status http_get(const std::string& url, const BodySink& sink);

// For index pages: the body as text, refused past max_bytes.
Result<std::string> http_get_text(const std::string& url, size_t max_bytes = 64u << 20);

// "https://user:pw@host/x" -> "https://host/x": URLs in messages carry no secrets.
std::string redact_url(const std::string& url);

}  // namespace dl::wheel
