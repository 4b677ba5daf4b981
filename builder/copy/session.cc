#include "builder/copy/session.h"

#include <iostream>

namespace dl::copy {

net::TransportOptions transport_options(const RegistryOptions& opts) {
  net::TransportOptions t;
  t.tls_verify = opts.tls_verify;
  t.ca_file = opts.ca_file;
  if (opts.verbose) t.log = [](const std::string& line) { std::cerr << "dlimage: " << line << "\n"; };
  return t;
}

Result<std::unique_ptr<Session>> Session::open(const RegistryOptions& opts) {
  auto s = std::unique_ptr<Session>(new Session());
  for (const auto& m : opts.mirrors) DL_TRY(s->hosts_.add_mirror(m));
  for (const auto& h : opts.plain_http) DL_TRY(s->hosts_.add_plain_http(h));
  if (!opts.push_registry.empty()) DL_TRY(s->hosts_.set_push_registry(opts.push_registry));
  s->http_ = std::make_unique<registry::HttpClient>(transport_options(opts));
  auto creds = opts.registry_config.empty() ? registry::CredentialStore::load_default()
                                            : registry::CredentialStore::load(opts.registry_config);
  if (!creds.ok()) return creds.error();
  s->auth_ = std::make_unique<registry::Authenticator>(*s->http_, std::move(*creds));
  for (const auto& h : opts.insecure_realms) s->auth_->allow_insecure_realm(h);
  registry::ClientOptions c;
  c.jobs = opts.jobs;
  c.chunk_size = opts.chunk_size;
  s->client_ = std::make_unique<registry::RegistryClient>(*s->auth_, s->hosts_, c);
  return s;
}

}  // namespace dl::copy
