// Which proxy a request goes through, decided here rather than by libcurl's
// own environment handling so that every caller gets the same rules:
// HTTPS_PROXY/https_proxy for https, HTTP_PROXY/http_proxy for http,
// NO_PROXY/no_proxy ("*", hosts, ".domain" or "domain" suffixes, optional
// ":port"), and loopback is never proxied (a test registry on 127.0.0.1 must
// not be sent to a corporate proxy).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace dl::net {

struct ProxyConfig {
  std::string http_proxy;   // proxy URL for http:// requests; "" = direct
  std::string https_proxy;  // proxy URL for https:// requests; "" = direct
  std::vector<std::string> no_proxy;

  static ProxyConfig from_env();
  // The proxy URL for `url`, or "" to connect directly.
  std::string for_url(std::string_view url) const;
};

}  // namespace dl::net
