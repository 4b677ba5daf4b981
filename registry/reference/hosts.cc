#include "registry/reference/hosts.h"

#include <algorithm>

#include "base/strings.h"

namespace dl::registry {

std::string strip_port(std::string_view hp) {
  if (!hp.empty() && hp.front() == '[') {
    auto close = hp.find(']');
    return std::string(hp.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1));
  }
  // A bare IPv6 address has several colons and no port.
  if (std::count(hp.begin(), hp.end(), ':') > 1) return std::string(hp);
  return std::string(hp.substr(0, hp.find(':')));
}

bool is_loopback_host(std::string_view host_port) {
  std::string h = strip_port(host_port);
  if (h == "localhost" || h == "::1" || h == "0:0:0:0:0:0:0:1") return true;
  // 127.0.0.0/8: four numeric labels, the first 127.
  if (h.rfind("127.", 0) != 0) return false;
  int dots = 0;
  for (char c : h) {
    if (c == '.')
      ++dots;
    else if (c < '0' || c > '9')
      return false;
  }
  return dots == 3;
}

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
    return invalid("registry host '" + std::string(spec) + "': expected HOST[:PORT] without path, user or query");
  // Reuse the reference grammar for the host syntax.
  auto probe = parse_reference(std::string(s) + "/x");
  if (probe.ok() && probe->registry == (s == "index.docker.io" ? std::string(kDockerHub) : std::string(s)))
    return probe->registry;
  // A bare name ("myhost", as --plain-http myhost) reads as a repository in a
  // reference; with a port it must parse as a registry.
  auto with_port = parse_reference(std::string(s) + ":1/x");
  if (s.find(':') == std::string_view::npos && with_port.ok() && with_port->registry == std::string(s) + ":1")
    return std::string(s);
  return invalid("registry host '" + std::string(spec) + "': not a valid HOST[:PORT]");
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
  if (!plain_to && starts_with(spec.substr(eq + 1), "https://")) tls_.insert(*to);
  mirrors_.push_back({*from, *to});
  return {};
}

Status HostConfig::add_plain_http(std::string_view host) {
  bool plain = false;
  auto h = parse_host(host, &plain);
  if (!h.ok()) return h.error().wrap("--plain-http");
  plain_http_.insert(*h);  // "host" matches any port of host, see is_plain_http
  if (*h == kDockerHub) plain_http_.insert(std::string(kDockerHubApi));
  return {};
}

Status HostConfig::set_push_registry(std::string_view host) {
  bool plain = false;
  auto h = parse_host(host, &plain);
  if (!h.ok()) return h.error().wrap("--registry");
  if (plain) plain_http_.insert(*h);
  if (!plain && starts_with(host, "https://")) tls_.insert(*h);
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
  // The repository path is kept as normalised: docker.io/library/x pushed
  // to --registry h lands at h/library/x, as skopeo and crane do.
  return relocate(ref, push_registry_, push_namespace_);
}

Status HostConfig::set_push_namespace(std::string_view ns) {
  DL_TRY(check_namespace(ns));
  push_namespace_ = std::string(ns);
  return {};
}

Reference relocate(const Reference& ref, std::string_view registry, std::string_view ns) {
  Reference r = ref;
  if (!registry.empty()) r.registry = std::string(registry);
  if (!ns.empty()) {
    auto slash = r.repository.rfind('/');
    r.repository = std::string(ns) + "/" + (slash == std::string::npos ? r.repository : r.repository.substr(slash + 1));
  }
  return r;
}

Status check_namespace(std::string_view ns) {
  auto bad = [&](const std::string& why) {
    return invalid("namespace '" + std::string(ns) + "': " + why +
                   "; expected lowercase letters and digits joined by '.', '_', '-' (and '/' between components)");
  };
  if (ns.empty()) return bad("empty");
  char prev = '/';
  for (char c : ns) {
    bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    bool sep = c == '.' || c == '_' || c == '-' || c == '/';
    if (!alnum && !sep) return bad(std::string("'") + c + "' is not allowed");
    if (sep && (prev == '/' || prev == '.' || prev == '_' || prev == '-'))
      return bad("a separator must follow a letter or digit");
    prev = c;
  }
  if (!((prev >= 'a' && prev <= 'z') || (prev >= '0' && prev <= '9'))) return bad("it must end with a letter or digit");
  return {};
}

bool HostConfig::is_plain_http(std::string_view registry) const {
  std::string host(registry);
  if (tls_.count(host)) return false;
  if (plain_http_.count(host) || plain_http_.count(strip_port(host))) return true;
  return is_loopback_host(host) && loopback_is_plain(host);
}

void HostConfig::set_tls_probe(std::function<bool(const std::string&)> speaks_tls) {
  // A fresh cache: copies of this HostConfig made before keep their own.
  probe_ = std::make_shared<ProbeCache>();
  probe_->probe = std::move(speaks_tls);
}

bool HostConfig::loopback_is_plain(const std::string& host) const {
  std::lock_guard<std::mutex> lock(probe_->mu);
  if (!probe_->probe) return true;
  auto it = probe_->speaks_tls.find(host);
  if (it == probe_->speaks_tls.end()) it = probe_->speaks_tls.emplace(host, probe_->probe(host)).first;
  return !it->second;
}

std::string HostConfig::base_url_for_host(std::string_view api_host) const {
  return (is_plain_http(api_host) ? "http://" : "https://") + std::string(api_host);
}

std::string HostConfig::base_url(const Reference& ref) const {
  if (is_plain_http(ref.registry)) return "http://" + ref.api_host();
  return base_url_for_host(ref.api_host());
}

}  // namespace dl::registry
