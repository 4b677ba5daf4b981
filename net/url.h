// URL helpers that registry code needs and must get right: relative
// Location headers, same-origin checks for credentials, and redaction of
// secrets before a URL reaches a log line or an error message.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace dl::net {

// Resolves `ref` (absolute, scheme-relative, absolute-path or relative
// path) against `base`. Location headers from registries are often relative.
Result<std::string> resolve_url(std::string_view base, std::string_view ref);

// "scheme://host:port" with default ports made explicit; "" if unparsable.
std::string url_origin(std::string_view url);
// host[:port] as written in the URL.
std::string url_host(std::string_view url);

// Drops userinfo and replaces query values with "REDACTED", except for
// parameters known to carry no secret (n, last, mount, from, digest,
// service, scope). Upload URLs carry signed state (_state), CDN URLs carry
// signatures: neither may appear in logs.
std::string redact_url(std::string_view url);

// Appends "k=v" (v percent-encoded) with '?' or '&'.
std::string add_query(std::string url, std::string_view key, std::string_view value);
std::string url_encode(std::string_view s);

}  // namespace dl::net
