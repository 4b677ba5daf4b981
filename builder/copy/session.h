// Everything a registry operation needs, built from command-line options:
// transport (TLS, CA), credentials (Docker config), hosts (mirrors,
// plain-http, push host) and the client. Shared by copy, tags and inspect.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "registry/auth/authenticator.h"
#include "registry/client/client.h"
#include "registry/reference/hosts.h"
#include "net/http.h"

namespace dl::copy {

struct RegistryOptions {
  int jobs = 4;
  uint64_t chunk_size = 0;
  std::vector<std::string> mirrors;     // FROM=TO
  std::vector<std::string> plain_http;  // HOST[:PORT]
  std::string push_registry;            // --registry HOST[:PORT]
  bool tls_verify = true;
  std::string ca_file;
  std::string registry_config;          // docker config.json; "" = default
  std::vector<std::string> insecure_realms;  // --insecure-realm HOST[:PORT]
  bool verbose = false;                 // log each HTTP exchange to stderr
};

// The transport every network access of a command uses (registries, wheel
// indexes, downloads): TLS options, and the exchange log with --verbose.
net::TransportOptions transport_options(const RegistryOptions& opts);

class Session {
 public:
  static Result<std::unique_ptr<Session>> open(const RegistryOptions& opts);
  registry::RegistryClient& client() { return *client_; }
  const registry::HostConfig& hosts() const { return hosts_; }

 private:
  registry::HostConfig hosts_;
  std::unique_ptr<registry::HttpClient> http_;
  std::unique_ptr<registry::Authenticator> auth_;
  std::unique_ptr<registry::RegistryClient> client_;
};

}  // namespace dl::copy
