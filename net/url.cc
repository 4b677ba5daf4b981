#include "net/url.h"

#include <curl/curl.h>

#include <cctype>
#include <cstring>

#include <memory>
#include <set>

#include "base/strings.h"

namespace dl::net {

namespace {

struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
using UrlPtr = std::unique_ptr<CURLU, UrlDeleter>;

std::string get_part(CURLU* u, CURLUPart part, unsigned flags = 0) {
  char* out = nullptr;
  if (curl_url_get(u, part, &out, flags) != CURLUE_OK || !out) return "";
  std::string s(out);
  curl_free(out);
  return s;
}

UrlPtr parse(std::string_view url) {
  UrlPtr u(curl_url());
  // Unknown schemes parse too, so that a gopher:// Location is refused by
  // require_http_url() with a clear message rather than "malformed".
  if (curl_url_set(u.get(), CURLUPART_URL, std::string(url).c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK)
    return nullptr;
  return u;
}

}  // namespace

Result<std::string> resolve_url(std::string_view base, std::string_view ref) {
  UrlPtr u = parse(base);
  if (!u) return invalid("malformed URL '" + redact_url(base) + "'");
  // curl resolves relative references against the URL already set.
  if (curl_url_set(u.get(), CURLUPART_URL, std::string(ref).c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK)
    return invalid("malformed Location '" + redact_url(ref) + "' (relative to " + redact_url(base) + ")");
  return get_part(u.get(), CURLUPART_URL);
}

std::string url_origin(std::string_view url) {
  UrlPtr u = parse(url);
  if (!u) return "";
  return to_lower(get_part(u.get(), CURLUPART_SCHEME)) + "://" + to_lower(get_part(u.get(), CURLUPART_HOST)) + ":" +
         get_part(u.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
}

std::string url_scheme(std::string_view url) {
  UrlPtr u = parse(url);
  if (!u) return "";
  return to_lower(get_part(u.get(), CURLUPART_SCHEME));
}

std::string url_hostname(std::string_view url) {
  UrlPtr u = parse(url);
  if (!u) return "";
  std::string host = to_lower(get_part(u.get(), CURLUPART_HOST));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return host;
}

bool is_loopback_host(std::string_view h) {
  if (h == "localhost" || h == "::1" || h == "0:0:0:0:0:0:0:1") return true;
  if (!h.starts_with("127.")) return false;
  // A dotted quad, so that "127.evil.com" is not loopback.
  int dots = 0;
  for (char c : h) {
    if (c == '.')
      ++dots;
    else if (!std::isdigit(static_cast<unsigned char>(c)))
      return false;
  }
  return dots == 3;
}

bool is_loopback_url(std::string_view url) { return is_loopback_host(url_hostname(url)); }

Status require_http_url(std::string_view url, std::string_view what) {
  std::string scheme = url_scheme(url);
  if (scheme == "http" || scheme == "https") return {};
  std::string shown = scheme.empty() ? std::string("'") + redact_urls_in(url) + "'" : "a " + scheme + ":// URL";
  return Error(ErrorKind::remote, std::string(what) + " is " + shown + "; only http and https URLs are followed");
}

Status check_redirect(std::string_view what, std::string_view from, std::string_view to) {
  std::string where = std::string(what) + ": redirect";
  DL_TRY(require_http_url(to, where));
  if (url_scheme(from) == "https" && url_scheme(to) == "http" && !is_loopback_url(to))
    return Error(ErrorKind::remote, where + " to " + redact_url(to) + " downgrades https to plain http; refused");
  return {};
}

std::string url_host(std::string_view url) {
  UrlPtr u = parse(url);
  if (!u) return "";
  std::string host = get_part(u.get(), CURLUPART_HOST);
  std::string port = get_part(u.get(), CURLUPART_PORT);
  return port.empty() ? host : host + ":" + port;
}

std::string redact_url(std::string_view url) {
  static const std::set<std::string, std::less<>> kSafe = {"n", "last", "mount", "from", "digest", "service", "scope"};
  UrlPtr u = parse(url);
  if (!u) return "<unparsable URL>";
  curl_url_set(u.get(), CURLUPART_USER, nullptr, 0);
  curl_url_set(u.get(), CURLUPART_PASSWORD, nullptr, 0);
  std::string query = get_part(u.get(), CURLUPART_QUERY);
  if (!query.empty()) {
    std::string out;
    size_t start = 0;
    while (start <= query.size()) {
      size_t amp = query.find('&', start);
      std::string_view kv =
          std::string_view(query).substr(start, amp == std::string::npos ? std::string::npos : amp - start);
      size_t eq = kv.find('=');
      std::string_view key = kv.substr(0, eq);
      if (!out.empty()) out += '&';
      if (eq == std::string_view::npos || kSafe.count(key))
        out += kv;
      else
        out += std::string(key) + "=REDACTED";
      if (amp == std::string::npos) break;
      start = amp + 1;
    }
    curl_url_set(u.get(), CURLUPART_QUERY, out.c_str(), 0);
  }
  curl_url_set(u.get(), CURLUPART_FRAGMENT, nullptr, 0);
  return get_part(u.get(), CURLUPART_URL);
}

std::string strip_userinfo(std::string_view url) {
  UrlPtr u = parse(url);
  if (!u || userinfo_of(url).empty()) return std::string(url);
  curl_url_set(u.get(), CURLUPART_USER, nullptr, 0);
  curl_url_set(u.get(), CURLUPART_PASSWORD, nullptr, 0);
  return get_part(u.get(), CURLUPART_URL);
}

namespace {

bool secret_key(std::string key) {
  key = to_lower(key);
  static const std::set<std::string, std::less<>> kSecret = {
      "token",  "access_token",  "refresh_token", "id_token",    "password", "passwd",    "pwd",
      "secret", "client_secret", "key",           "api_key",     "apikey",   "auth",      "authorization",
      "sig",    "signature",     "credential",    "credentials", "session",  "sessionid", "_state"};
  return kSecret.count(key) || key.starts_with("x-amz-") || key.starts_with("x-goog-");
}

}  // namespace

std::string strip_secrets(std::string_view url) {
  std::string bare = strip_userinfo(url);
  auto q = bare.find('?');
  if (q == std::string::npos) return bare;
  auto hash = bare.find('#', q);
  std::string query = bare.substr(q + 1, hash == std::string::npos ? std::string::npos : hash - q - 1);
  std::string kept;
  for (auto& kv : split(query, '&')) {
    if (kv.empty() || secret_key(kv.substr(0, kv.find('=')))) continue;
    kept += (kept.empty() ? "" : "&") + kv;
  }
  return bare.substr(0, q) + (kept.empty() ? "" : "?" + kept) + (hash == std::string::npos ? "" : bare.substr(hash));
}

std::string userinfo_of(std::string_view url) {
  UrlPtr u = parse(url);
  if (!u) return "";
  std::string user = get_part(u.get(), CURLUPART_USER), pw = get_part(u.get(), CURLUPART_PASSWORD);
  if (user.empty() && pw.empty()) return "";
  return pw.empty() ? user : user + ":" + pw;
}

std::string with_userinfo(std::string_view url, std::string_view userinfo) {
  auto p = url.find("://");
  if (p == std::string_view::npos || userinfo.empty() || !userinfo_of(url).empty()) return std::string(url);
  return std::string(url.substr(0, p + 3)) + std::string(userinfo) + "@" + std::string(url.substr(p + 3));
}

std::string redact_urls_in(std::string_view text) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    size_t p = text.find("://", i);
    if (p == std::string_view::npos) break;
    size_t start = p;
    while (start > i && std::isalpha(static_cast<unsigned char>(text[start - 1]))) --start;
    size_t end = p + 3;
    while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end])) && text[end] != '\'' &&
           text[end] != '"' && text[end] != '>' && text[end] != ')')
      ++end;
    // Punctuation after a URL in a sentence ("GET https://h/x: 404") is not part of it.
    while (end > p + 3 && std::strchr(":,.;", text[end - 1])) --end;
    out.append(text.substr(i, start - i));
    if (start == p) {
      out.append(text.substr(p, 3));
      i = p + 3;
      continue;
    }
    std::string r = redact_url(text.substr(start, end - start));
    // A URL curl cannot parse may still hide "user:pw@": drop what precedes '@'.
    if (r == "<unparsable URL>") {
      std::string raw(text.substr(start, end - start));
      auto at = raw.find('@');
      r = at == std::string::npos ? raw.substr(0, raw.find('?')) : raw.substr(0, p - start + 3) + raw.substr(at + 1);
    }
    out += r;
    i = end;
  }
  out.append(text.substr(std::min(i, text.size())));
  return out;
}

std::string url_encode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string add_query(std::string url, std::string_view key, std::string_view value) {
  auto hash = url.find('#');
  std::string frag;
  if (hash != std::string::npos) {
    frag = url.substr(hash);
    url.resize(hash);
  }
  url += url.find('?') == std::string::npos ? '?' : '&';
  url += url_encode(key) + "=" + url_encode(value);
  return url + frag;
}

}  // namespace dl::net
