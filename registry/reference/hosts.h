// Where a reference is actually fetched from: mirrors for pulls, a host
// override for pushes, and which hosts speak plain HTTP.
//
// Like containers-registries.conf, every host is HTTPS unless it is listed
// as plain HTTP (--plain-http HOST) or written with an "http://" prefix
// (--mirror docker.io=http://127.0.0.1:5000, --registry http://host:5000).
#pragma once

#include <map>
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

  // Pulls: the first mirror whose `from` matches replaces the registry.
  Reference for_pull(const Reference& ref) const;
  // Pushes: the --registry host replaces the registry, path kept.
  Reference for_push(const Reference& ref) const;

  bool is_plain_http(std::string_view registry) const;
  // "https://registry-1.docker.io" / "http://127.0.0.1:5000": the API base
  // URL for a reference's registry (after any rewriting).
  std::string base_url(const Reference& ref) const;
  std::string base_url_for_host(std::string_view api_host) const;

  const std::vector<Mirror>& mirrors() const { return mirrors_; }

 private:
  std::vector<Mirror> mirrors_;
  std::set<std::string> plain_http_;
  std::string push_registry_;
};

// Strips an optional "http://" or "https://"; sets *plain for http.
// Refuses paths, userinfo and empty hosts.
Result<std::string> parse_host(std::string_view spec, bool* plain);

}  // namespace dl::registry
