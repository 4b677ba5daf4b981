#include "net/proxy.h"

#include <cstdlib>

#include "base/strings.h"
#include "net/url.h"

namespace dl::net {

namespace {

std::string env_first(const char* a, const char* b) {
  for (const char* name : {a, b})
    if (const char* v = std::getenv(name); v && *v) return v;
  return "";
}

// A proxy written without a scheme ("proxy:3128") is an http proxy, as curl
// and Go read it.
std::string with_scheme(std::string p) {
  p = trim(p);
  if (!p.empty() && p.find("://") == std::string::npos) p = "http://" + p;
  return p;
}

bool no_proxy_matches(const std::string& rule_in, const std::string& host, const std::string& host_port) {
  std::string rule = to_lower(trim(rule_in));
  if (rule.empty()) return false;
  if (rule == "*") return true;
  if (rule.find(':') != std::string::npos && rule.find('.') != std::string::npos && rule == host_port) return true;
  if (rule.front() == '.') rule.erase(0, 1);
  return host == rule || (host.size() > rule.size() && host.ends_with("." + rule));
}

}  // namespace

ProxyConfig ProxyConfig::from_env() {
  ProxyConfig c;
  c.https_proxy = with_scheme(env_first("HTTPS_PROXY", "https_proxy"));
  c.http_proxy = with_scheme(env_first("HTTP_PROXY", "http_proxy"));
  for (auto& item : split(env_first("NO_PROXY", "no_proxy"), ','))
    if (!trim(item).empty()) c.no_proxy.push_back(trim(item));
  return c;
}

std::string ProxyConfig::for_url(std::string_view url) const {
  std::string host = url_hostname(url);
  if (host.empty() || is_loopback_host(host)) return "";
  std::string scheme = url_scheme(url);
  const std::string& proxy = scheme == "https" ? https_proxy : scheme == "http" ? http_proxy : std::string();
  if (proxy.empty()) return "";
  std::string host_port = to_lower(url_host(url));
  for (const auto& rule : no_proxy)
    if (no_proxy_matches(rule, host, host_port)) return "";
  return proxy;
}

}  // namespace dl::net
