#include "registry/session/session.h"

#include <iostream>

namespace dl::registry {

net::TransportOptions transport_options(const SessionOptions& opts) {
  net::TransportOptions t;
  t.tls_verify = opts.tls_verify;
  t.ca_file = opts.ca_file;
  if (opts.verbose) t.log = [](const std::string& line) { std::cerr << "dlimage: " << line << "\n"; };
  return t;
}

Result<std::unique_ptr<Session>> Session::open(const SessionOptions& opts) {
  auto s = std::unique_ptr<Session>(new Session());
  for (const auto& m : opts.mirrors) DL_TRY(s->hosts_.add_mirror(m));
  for (const auto& h : opts.plain_http) DL_TRY(s->hosts_.add_plain_http(h));
  if (!opts.push_registry.empty()) DL_TRY(s->hosts_.set_push_registry(opts.push_registry));
  if (!opts.push_namespace.empty()) DL_TRY(s->hosts_.set_push_namespace(opts.push_namespace));
  s->http_ = std::make_unique<HttpClient>(transport_options(opts));
  auto creds =
      opts.registry_config.empty() ? CredentialStore::load_default() : CredentialStore::load(opts.registry_config);
  if (!creds.ok()) return creds.error();
  s->auth_ = std::make_unique<Authenticator>(*s->http_, std::move(*creds));
  for (const auto& h : opts.insecure_realms) s->auth_->allow_insecure_realm(h);
  ClientOptions c;
  c.jobs = opts.jobs;
  c.chunk_size = opts.chunk_size;
  s->client_ = std::make_unique<RegistryClient>(*s->auth_, s->hosts_, c);
  return s;
}

Result<Session*> LazySession::get() {
  if (!session_) {
    DL_ASSIGN_OR_RETURN(session_, Session::open(opts_));
  }
  return session_.get();
}

}  // namespace dl::registry
