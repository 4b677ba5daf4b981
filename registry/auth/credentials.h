// Registry credentials as Docker keeps them: $REGISTRY_AUTH_FILE (as podman
// and skopeo read it), else $DOCKER_CONFIG/config.json, else
// ~/.docker/config.json, with
//   "auths":       {"host": {"auth": base64(user:pass)} | {"username","password"} | {"identitytoken"}}
//   "credHelpers": {"host": "NAME"}   -> docker-credential-NAME get
//   "credsStore":  "NAME"             -> for every host without a helper
// Docker Hub's key is "https://index.docker.io/v1/".
//
// Credentials never appear in error messages: errors name the config file,
// the host and the helper, not the values.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace dl::registry {

struct Credential {
  std::string username, password;
  std::string identity_token;  // OAuth2 refresh token (username "<token>" from helpers)
  bool empty() const { return username.empty() && password.empty() && identity_token.empty(); }
};

class CredentialStore {
 public:
  CredentialStore() = default;  // anonymous everywhere
  // A missing file is an empty store; a malformed one is an error naming it.
  static Result<CredentialStore> load(const std::string& config_path);
  // $REGISTRY_AUTH_FILE, else $DOCKER_CONFIG/config.json, else
  // $HOME/.docker/config.json.
  static Result<CredentialStore> load_default();
  static std::string default_path();
  // Which of those default_path() is and why: "/x/config.json (from $DOCKER_CONFIG)".
  static std::string describe_default_path();

  // The file read, and why it was that one, for messages.
  const std::string& source() const { return described_; }
  // Where the credentials for `registry` come from, for an error that
  // says what to check: "the auths entry for HOST in FILE", "credential
  // helper docker-credential-NAME", or "no entry for HOST in FILE".
  std::string describe(std::string_view registry) const;

  // Explicit credentials for a registry (e.g. from --creds), which win.
  void set(const std::string& registry, Credential c);

  // `registry` as in a reference: "docker.io", "127.0.0.1:5000".
  // Anonymous (empty Credential) when nothing is configured.
  Result<Credential> lookup(std::string_view registry) const;

  // For tests: the directory searched for docker-credential-* first.
  void set_helper_dir(std::string dir) { helper_dir_ = std::move(dir); }

 private:
  Result<Credential> run_helper(const std::string& name, const std::string& server) const;

  std::string source_;     // config path, for messages
  std::string described_;  // source_ and why it was chosen
  std::map<std::string, Credential> explicit_;
  std::map<std::string, Credential> auths_;     // key: normalised host
  std::map<std::string, std::string> helpers_;  // key: normalised host
  std::string store_;
  std::string helper_dir_;
};

// Runs a credential helper (docker-credential-NAME get|store|erase) with
// `input` on stdin; returns its stdout (at most 1 MiB), its exit code in *code.
Result<std::string> run_program(const std::string& program, const std::vector<std::string>& args,
                                const std::string& input, int* code);

// "https://index.docker.io/v1/" -> "docker.io"; "http://h:5000/x" -> "h:5000".
std::string normalize_registry_key(std::string_view key);

}  // namespace dl::registry
