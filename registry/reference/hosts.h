// Where a reference is actually fetched from: mirrors for pulls, a host
// override for pushes, and which hosts speak plain HTTP.
//
// Like containers-registries.conf, every host is HTTPS unless it is listed
// as plain HTTP (--plain-http HOST) or written with an "http://" prefix
// (--mirror docker.io=http://127.0.0.1:5000, --registry http://host:5000).
// `--plain-http HOST` covers every port of HOST; `HOST:PORT` only that one.
//
// Loopback registries (127.0.0.0/8, ::1, localhost) are the exception, as in
// docker and crane: they speak plain HTTP unless they answer TLS. A probe
// set by the RegistryClient decides once per host; without one, loopback is plain.
// An explicit "https://HOST" always means TLS.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "registry/reference/reference.h"

namespace dl::registry {

struct Mirror {
  std::string from;  // registry as in references: "docker.io"
  std::string to;    // host[:port]
};

class HostConfig {
 public:
  // "docker.io=127.0.0.1:5000" or "docker.io=http://127.0.0.1:5000".
  Status add_mirror(std::string_view spec);
  // "host[:port]" or "http://host[:port]".
  Status add_plain_http(std::string_view host);
  // Push host override: --registry HOST[:PORT] (or http://HOST[:PORT]).
  Status set_push_registry(std::string_view host);

  // Push namespace override: --namespace NS (forks, staging).
  Status set_push_namespace(std::string_view ns);

  // Pulls: the first mirror whose `from` matches replaces the registry.
  Reference for_pull(const Reference& ref) const;
  // Pushes: the --registry host replaces the registry, and --namespace NS
  // the repository's namespace (see relocate()).
  Reference for_push(const Reference& ref) const;

  bool is_plain_http(std::string_view registry) const;
  // Asked once per loopback host: does it speak TLS? Results are cached.
  void set_tls_probe(std::function<bool(const std::string& host)> speaks_tls);
  // "https://registry-1.docker.io" / "http://127.0.0.1:5000": the API base
  // URL for a reference's registry (after any rewriting).
  std::string base_url(const Reference& ref) const;
  std::string base_url_for_host(std::string_view api_host) const;

  const std::vector<Mirror>& mirrors() const { return mirrors_; }

 private:
  struct ProbeCache {
    std::mutex mu;
    std::map<std::string, bool> speaks_tls;
    std::function<bool(const std::string&)> probe;
  };
  bool loopback_is_plain(const std::string& host) const;

  std::vector<Mirror> mirrors_;
  std::set<std::string> plain_http_;
  std::set<std::string> tls_;  // written as https://HOST
  std::shared_ptr<ProbeCache> probe_ = std::make_shared<ProbeCache>();
  std::string push_registry_, push_namespace_;
};

// `ref` moved to another registry and/or namespace ("" keeps each):
// "docker.io/qingcloud/tensorflow:1.12" with namespace "staging" is
// "docker.io/staging/tensorflow:1.12" (every path component but the last
// is the namespace). Tag and digest are kept.
Reference relocate(const Reference& ref, std::string_view registry, std::string_view ns);

// A repository namespace as the distribution spec allows path components:
// lowercase [a-z0-9] runs joined by '.', '_', '-', components by '/'.
Status check_namespace(std::string_view ns);

// 127.0.0.0/8, ::1 or localhost, with or without a port ("[::1]:5000").
bool is_loopback_host(std::string_view host_port);
// "host:5000" -> "host", "[::1]:5000" -> "::1".
std::string strip_port(std::string_view host_port);

// Strips an optional "http://" or "https://"; sets *plain for http.
// Refuses paths, userinfo and empty hosts.
Result<std::string> parse_host(std::string_view spec, bool* plain);

}  // namespace dl::registry
