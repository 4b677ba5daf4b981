#include "net/url.h"

#include <curl/curl.h>

#include <cctype>

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
  if (curl_url_set(u.get(), CURLUPART_URL, std::string(url).c_str(), 0) != CURLUE_OK) return nullptr;
  return u;
}

}  // namespace

Result<std::string> resolve_url(std::string_view base, std::string_view ref) {
  UrlPtr u = parse(base);
  if (!u) return invalid("malformed URL '" + redact_url(base) + "'");
  // curl resolves relative references against the URL already set.
  if (curl_url_set(u.get(), CURLUPART_URL, std::string(ref).c_str(), 0) != CURLUE_OK)
    return invalid("malformed Location '" + redact_url(ref) + "' (relative to " + redact_url(base) + ")");
  return get_part(u.get(), CURLUPART_URL);
}

std::string url_origin(std::string_view url) {
  UrlPtr u = parse(url);
  if (!u) return "";
  return to_lower(get_part(u.get(), CURLUPART_SCHEME)) + "://" +
         to_lower(get_part(u.get(), CURLUPART_HOST)) + ":" +
         get_part(u.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
}

std::string url_host(std::string_view url) {
  UrlPtr u = parse(url);
  if (!u) return "";
  std::string host = get_part(u.get(), CURLUPART_HOST);
  std::string port = get_part(u.get(), CURLUPART_PORT);
  return port.empty() ? host : host + ":" + port;
}

std::string redact_url(std::string_view url) {
  static const std::set<std::string, std::less<>> kSafe = {"n", "last", "mount", "from",
                                                          "digest", "service", "scope"};
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
      std::string_view kv = std::string_view(query).substr(start, amp == std::string::npos ? std::string::npos : amp - start);
      size_t eq = kv.find('=');
      std::string_view key = kv.substr(0, eq);
      if (!out.empty()) out += '&';
      if (eq == std::string_view::npos || kSafe.count(key)) out += kv;
      else out += std::string(key) + "=REDACTED";
      if (amp == std::string::npos) break;
      start = amp + 1;
    }
    curl_url_set(u.get(), CURLUPART_QUERY, out.c_str(), 0);
  }
  curl_url_set(u.get(), CURLUPART_FRAGMENT, nullptr, 0);
  return get_part(u.get(), CURLUPART_URL);
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
