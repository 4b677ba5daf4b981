// The registry session of one command: transport (TLS, CA, one connection
// pool), credentials (Docker config, credential helpers) and the token
// cache (the Authenticator), hosts (mirrors, plain-http, --registry push
// rewriting) and the client over them. Every registry operation of a
// command (base pulls, push, verify, copy, tags, inspect, resolve --from)
// goes through one Session, opened once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "net/http.h"
#include "registry/auth/authenticator.h"
#include "registry/client/client.h"
#include "registry/reference/hosts.h"

namespace dl::registry {

struct SessionOptions {
  int jobs = 4;
  uint64_t chunk_size = 0;
  std::vector<std::string> mirrors;     // FROM=TO
  std::vector<std::string> plain_http;  // HOST[:PORT]
  std::string push_registry;            // --registry HOST[:PORT]
  std::string push_namespace;           // --namespace NS
  bool tls_verify = true;
  std::string ca_file;
  std::string registry_config;               // docker config.json; "" = default
  std::vector<std::string> insecure_realms;  // --insecure-realm HOST[:PORT]
  bool verbose = false;                      // log each HTTP exchange to stderr
};

// The transport every network access of a command uses (registries, wheel
// indexes, downloads): TLS options, and the exchange log with --verbose.
net::TransportOptions transport_options(const SessionOptions& opts);

class Session {
 public:
  static Result<std::unique_ptr<Session>> open(const SessionOptions& opts);
  RegistryClient& client() { return *client_; }
  const HostConfig& hosts() const { return hosts_; }

 private:
  HostConfig hosts_;
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<Authenticator> auth_;
  std::unique_ptr<RegistryClient> client_;
};

// A Session opened on first use, so a command that never talks to a
// registry (a build from local layouts) reads no credentials, and one that
// does opens exactly one.
class LazySession {
 public:
  explicit LazySession(SessionOptions opts) : opts_(std::move(opts)) {}
  Result<Session*> get();
  const SessionOptions& options() const { return opts_; }

 private:
  SessionOptions opts_;
  std::unique_ptr<Session> session_;
};

}  // namespace dl::registry
