// `dlimage login` / `logout`: credentials written where docker, crane and
// skopeo read them (credentials.h), as `docker login` and `crane auth login`
// write them:
//   - a credential helper configured for the host (credHelpers[host], else
//     credsStore) gets `store` {"ServerURL","Username","Secret"} on stdin
//     (`erase` SERVER to log out), and config.json is not touched;
//   - otherwise auths[KEY] = {"auth": base64(user:password)}, every other
//     key of the file kept, written to a temp name (mode 0600) and renamed.
// KEY is "https://index.docker.io/v1/" for Docker Hub, else HOST[:PORT].
// Secrets never appear in errors or output.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "registry/auth/credentials.h"

namespace dl::registry {

struct LoginResult {
  std::string config;  // the file read (and written, when no helper)
  std::string helper;  // "docker-credential-NAME" when a helper stored it
  std::string key;     // the server key used
};

// `helper_dir`: where docker-credential-* are looked for first ("" = PATH).
Result<LoginResult> save_login(const std::string& config_path, std::string_view registry, const Credential& c,
                               const std::string& helper_dir = "");
// not_found when nothing was stored for the registry.
Result<LoginResult> remove_login(const std::string& config_path, std::string_view registry,
                                 const std::string& helper_dir = "");

// A password read from a stream as docker's --password-stdin does: the
// trailing newline(s) dropped; at most 64 KiB.
Result<std::string> read_password(std::FILE* in);

}  // namespace dl::registry
