#include "registry/reference/hosts.h"

namespace dl::registry {

Result<std::string> parse_host(std::string_view spec, bool* plain) {
  std::string_view s = spec;
  *plain = false;
  if (s.rfind("http://", 0) == 0) {
    *plain = true;
    s.remove_prefix(7);
  } else if (s.rfind("https://", 0) == 0) {
    s.remove_prefix(8);
  }
  while (!s.empty() && s.back() == '/') s.remove_suffix(1);
  if (s.empty()) return invalid("registry host '" + std::string(spec) + "': empty host");
  if (s.find_first_of("/@?# ") != std::string_view::npos)
    return invalid("registry host '" + std::string(spec) +
                   "': expected HOST[:PORT] without path, user or query");
  // Reuse the reference grammar for the host syntax.
  auto probe = parse_reference(std::string(s) + "/x");
  if (!probe.ok() || probe->registry != (s == "index.docker.io" ? std::string(kDockerHub) : std::string(s)))
    return invalid("registry host '" + std::string(spec) + "': not a valid HOST[:PORT]");
  return probe->registry;
}

Status HostConfig::add_mirror(std::string_view spec) {
  auto eq = spec.find('=');
  if (eq == std::string_view::npos)
    return invalid("--mirror '" + std::string(spec) + "': expected FROM=TO, e.g. docker.io=127.0.0.1:5000");
  bool plain_from = false, plain_to = false;
  auto from = parse_host(spec.substr(0, eq), &plain_from);
  if (!from.ok()) return from.error().wrap("--mirror '" + std::string(spec) + "'");
  auto to = parse_host(spec.substr(eq + 1), &plain_to);
  if (!to.ok()) return to.error().wrap("--mirror '" + std::string(spec) + "'");
  if (plain_to) plain_http_.insert(*to);
  mirrors_.push_back({*from, *to});
  return {};
}

Status HostConfig::add_plain_http(std::string_view host) {
  bool plain = false;
  auto h = parse_host(host, &plain);
  if (!h.ok()) return h.error().wrap("--plain-http");
  plain_http_.insert(*h);
  if (*h == kDockerHub) plain_http_.insert(std::string(kDockerHubApi));
  return {};
}

Status HostConfig::set_push_registry(std::string_view host) {
  bool plain = false;
  auto h = parse_host(host, &plain);
  if (!h.ok()) return h.error().wrap("--registry");
  if (plain) plain_http_.insert(*h);
  push_registry_ = *h;
  return {};
}

Reference HostConfig::for_pull(const Reference& ref) const {
  for (const auto& m : mirrors_)
    if (m.from == ref.registry) {
      Reference r = ref;
      r.registry = m.to;
      return r;
    }
  return ref;
}

Reference HostConfig::for_push(const Reference& ref) const {
  if (push_registry_.empty()) return ref;
  Reference r = ref;
  // The repository path is kept as normalised: docker.io/library/x pushed
  // to --registry h lands at h/library/x, as skopeo and crane do.
  r.registry = push_registry_;
  return r;
}

bool HostConfig::is_plain_http(std::string_view registry) const {
  return plain_http_.count(std::string(registry)) > 0;
}

std::string HostConfig::base_url_for_host(std::string_view api_host) const {
  return (is_plain_http(api_host) ? "http://" : "https://") + std::string(api_host);
}

std::string HostConfig::base_url(const Reference& ref) const {
  if (is_plain_http(ref.registry)) return "http://" + ref.api_host();
  return base_url_for_host(ref.api_host());
}

}  // namespace dl::registry
