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

// "http", "https", "file", ... lower-cased; "" if unparsable.
std::string url_scheme(std::string_view url);
// The host without port or brackets: "127.0.0.1", "::1", "h.io".
std::string url_hostname(std::string_view url);
// localhost, 127.0.0.0/8 and ::1: hosts where plain http exposes nothing.
bool is_loopback_host(std::string_view hostname);
bool is_loopback_url(std::string_view url);

// Only http and https are ever fetched: a file://, gopher:// or any other
// URL from a registry, an index page or a recipe is refused before anything
// connects. `what` names the URL's role in the error ("redirect", "realm").
Status require_http_url(std::string_view url, std::string_view what);

// Where a redirect from `from` may go: http(s) only, and never from https
// down to plain http except onto loopback. `what` starts the error
// ("GET https://h/x").
Status check_redirect(std::string_view what, std::string_view from, std::string_view to);

// Drops userinfo and replaces query values with "REDACTED", except for
// parameters known to carry no secret (n, last, mount, from, digest,
// service, scope). Upload URLs carry signed state (_state), CDN URLs carry
// signatures (sig, signature, X-Amz-*), some indexes a token: none may
// appear in logs, errors, locks or reports.
std::string redact_url(std::string_view url);
// "https://user:pw@h/x" -> "https://h/x" (and "user:pw"): what a URL may
// keep when it is written to a file (a lock) while its credentials stay in
// memory, for the same origin only.
std::string strip_userinfo(std::string_view url);
std::string userinfo_of(std::string_view url);
// strip_userinfo() and drops credential-like query parameters (token,
// access_token, password, sig, signature, X-Amz-*, X-Goog-*, ...): a URL
// fit for a committed file or an image's history.
std::string strip_secrets(std::string_view url);
// Adds "user:pw@" to a URL that has none.
std::string with_userinfo(std::string_view url, std::string_view userinfo);

// redact_url() applied to every URL found in free text (an error message).
std::string redact_urls_in(std::string_view text);

// Appends "k=v" (v percent-encoded) with '?' or '&'.
std::string add_query(std::string url, std::string_view key, std::string_view value);
std::string url_encode(std::string_view s);

}  // namespace dl::net
