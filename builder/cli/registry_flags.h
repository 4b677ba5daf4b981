// Registry options shared by copy, tags and inspect.
#pragma once

#include <CLI/CLI.hpp>

#include "registry/session/session.h"

namespace dl::cli {

inline void add_registry_flags(CLI::App& app, registry::SessionOptions& o) {
  app.add_option("--mirror", o.mirrors, "Pull FROM through mirror TO (FROM=TO, e.g. docker.io=127.0.0.1:5000)");
  app.add_option("--plain-http", o.plain_http, "Talk plain HTTP to this HOST[:PORT] (repeatable)");
  app.add_option("--registry", o.push_registry, "Use the registry HOST[:PORT] instead of the one in each reference");
  app.add_option(
         "--namespace", o.push_namespace,
         "Use NS/REPO instead of the matrix's namespace (forks, staging): qingcloud/tensorflow -> NS/tensorflow")
      ->check([](const std::string& v) {
        auto s = registry::check_namespace(v);
        return s.ok() ? std::string() : s.error().message();
      });
  app.add_flag("--tls-verify,!--no-tls-verify", o.tls_verify, "Verify TLS certificates (--tls-verify=false to skip)");
  app.add_option("--ca-file", o.ca_file, "Trust this CA certificate (PEM) for registries and downloads");
  app.add_option("--insecure-realm", o.insecure_realms,
                 "Allow credentials to this token realm HOST[:PORT] over plain http (repeatable)");
  app.add_option("--registry-config", o.registry_config,
                 "Docker config.json with credentials (default $DOCKER_CONFIG/config.json or ~/.docker/config.json)");
  app.add_option("--jobs,-j", o.jobs, "Parallel transfers: images pushed at once, and blobs at once per image")
      ->check(CLI::Range(1, 64));
  app.add_option("--chunk-size", o.chunk_size, "Upload in PATCH chunks of this many bytes (0: one streamed PUT)");
  app.add_flag("--verbose,-v", o.verbose, "Log each HTTP exchange (URLs redacted, no headers)");
}

}  // namespace dl::cli
