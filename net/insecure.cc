// --tls-verify=false is a choice the user makes once, so it is reported
// once: every host reached without certificate checks is recorded, and one
// line naming them all goes to stderr when the process exits.
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <set>

#include "base/strings.h"
#include "net/http.h"

namespace dl::net {

namespace {

// Hosts reached without certificate checks, for the one warning per run.
struct InsecureHosts {
  std::mutex mu;
  std::set<std::string> hosts;
  bool registered = false;
};
InsecureHosts& insecure_registry() {
  static InsecureHosts* r = new InsecureHosts();  // leaked: used from atexit
  return *r;
}

}  // namespace

void note_insecure_host(const std::string& host) {
  auto& r = insecure_registry();
  std::lock_guard<std::mutex> l(r.mu);
  r.hosts.insert(host);
  if (!r.registered) {
    r.registered = true;
    std::atexit([] {
      std::string line = insecure_warning();
      if (!line.empty()) std::fprintf(stderr, "%s\n", line.c_str());
    });
  }
}

std::vector<std::string> insecure_hosts() {
  auto& r = insecure_registry();
  std::lock_guard<std::mutex> l(r.mu);
  return {r.hosts.begin(), r.hosts.end()};
}

std::string insecure_warning() {
  auto hosts = insecure_hosts();
  if (hosts.empty()) return "";
  return "dlimage: warning: TLS certificates were not verified (--tls-verify=false) for " + join(hosts, ", ");
}

}  // namespace dl::net
