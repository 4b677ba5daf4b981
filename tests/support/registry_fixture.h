// A real CNCF Distribution registry (/usr/bin/docker-registry, Debian package
// docker-registry) started per test, in one of three auth modes, on a free
// port of 127.0.0.1, with its storage, config, keys and log in a temp dir that
// is removed when the RegistryServer is destroyed.
//
//   auto reg = dl::test::RegistryServer::start(dl::test::RegistryMode::htpasswd_tls);
//   ASSERT_TRUE(reg.ok()) << reg.error().message();
//   std::string url = reg->base_url();   // "https://127.0.0.1:41234"
//
// Modes:
//   plain         http, no auth.                       GET /v2/ -> 200
//   htpasswd_tls  https (throwaway CA, ca_file()), basic auth with
//                 username()/password() (bcrypt).      GET /v2/ -> 401 Basic
//   token         http registry, bearer tokens from an in-process token server
//                 (token_realm()). Valid user: every requested action on every
//                 repository (and registry:catalog:*). Anonymous: "pull" only.
//                 Wrong password: 401.                 GET /v2/ -> 401 Bearer
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/result.h"

namespace dl::test {

enum class RegistryMode { plain, htpasswd_tls, token };
const char* to_string(RegistryMode mode);

struct RegistryOptions {
  // Public base URL the registry puts in Location headers (Distribution's
  // http.host), e.g. a fault proxy's "http://127.0.0.1:PORT". Empty: the
  // registry derives it from each request's Host header.
  std::string public_url;
  // Token mode: lifetime of issued tokens (expires_in), seconds.
  int token_ttl_seconds = 300;
  // Path of the registry binary; empty means /usr/bin/docker-registry
  // (or $DL_DOCKER_REGISTRY when set).
  std::string registry_binary;
  // Directory for config, keys, storage and log; created if missing and
  // removed on destruction. Empty: a fresh mkdtemp dir under $TMPDIR or /tmp.
  std::string work_dir;
  // Keep the directory on destruction (debugging, or a script reading files).
  // DL_TEST_KEEP_REGISTRY=1 in the environment does the same for every test.
  bool keep_dir = false;
};

class RegistryServer {
 public:
  using Mode = RegistryMode;
  static Result<RegistryServer> start(Mode mode, const RegistryOptions& options = {});

  RegistryServer(RegistryServer&&) noexcept;
  RegistryServer& operator=(RegistryServer&&) noexcept;
  RegistryServer(const RegistryServer&) = delete;
  RegistryServer& operator=(const RegistryServer&) = delete;
  // SIGTERM, then SIGKILL, then removes dir().
  ~RegistryServer();

  Mode mode() const;
  int port() const;
  std::string host() const;      // "127.0.0.1:PORT" (what goes in image references)
  std::string scheme() const;    // "http" or "https"
  std::string base_url() const;  // scheme://127.0.0.1:PORT
  // PEM of the CA that signed the server cert (htpasswd_tls); "" otherwise.
  std::string ca_file() const;
  // A directory holding ca.crt, for skopeo --dest-cert-dir/--src-cert-dir
  // (htpasswd_tls); "" otherwise.
  std::string cert_dir() const;
  // Credentials accepted in htpasswd_tls and token modes ("" in plain mode).
  std::string username() const;
  std::string password() const;
  // Directory containing config.json with {"auths": {host(): {"auth": b64(user:pass)}}}
  // (for DOCKER_CONFIG / credential loading tests). Exists in every mode; in
  // plain mode it is {"auths": {}}.
  std::string docker_config_dir() const;
  std::string log_path() const;     // registry stdout+stderr
  std::string dir() const;          // the temp dir with everything above
  std::string storage_dir() const;  // filesystem storage root
  int registry_pid() const;         // the docker-registry process (its own process group)

  // Token mode only ("" / 0 otherwise).
  std::string token_realm() const;    // "http://127.0.0.1:TPORT/token"
  std::string token_service() const;  // the `service` the registry expects
  // Number of requests the token server answered (any outcome); lets client
  // tests assert that tokens are cached.
  std::uint64_t token_requests() const;

 private:
  struct Impl;
  explicit RegistryServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// True when docker-registry is installed; tests GTEST_SKIP otherwise
// with a message naming the Debian package.
bool registry_available();

}  // namespace dl::test
