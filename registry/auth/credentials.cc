#include "registry/auth/credentials.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <vector>

#include "base/base64.h"
#include "base/fs.h"
#include "base/strings.h"

extern char** environ;

namespace dl::registry {

namespace {

constexpr std::string_view kHubKey = "https://index.docker.io/v1/";

std::string json_string(const nlohmann::json& j, const char* key) {
  if (j.is_object() && j.contains(key) && j[key].is_string()) return j[key].get<std::string>();
  return "";
}

struct Pipe {
  int fd[2] = {-1, -1};
  ~Pipe() {
    for (int f : fd)
      if (f >= 0) close(f);
  }
};

}  // namespace

// Runs argv with `input` on stdin; returns stdout, exit code in *code.
Result<std::string> run_program(const std::string& program, const std::vector<std::string>& args,
                                const std::string& input, int* code) {
  Pipe in, out;
  if (pipe2(in.fd, O_CLOEXEC) != 0 || pipe2(out.fd, O_CLOEXEC) != 0)
    return io_error(std::string("pipe: ") + std::strerror(errno));
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in.fd[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out.fd[1], 1);
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(program.c_str()));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, program.c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return Error(ErrorKind::not_found, program + ": cannot run: " + std::strerror(rc));
  close(in.fd[0]);
  in.fd[0] = -1;
  close(out.fd[1]);
  out.fd[1] = -1;
  // A helper that exits without reading stdin must not kill us with SIGPIPE;
  // its failure is reported by its exit code.
  static std::once_flag ignore_sigpipe;
  std::call_once(ignore_sigpipe, [] { signal(SIGPIPE, SIG_IGN); });
  (void)!write(in.fd[1], input.data(), input.size());
  close(in.fd[1]);
  in.fd[1] = -1;
  std::string output;
  char buf[4096];
  while (output.size() < (1 << 20)) {
    ssize_t n = read(out.fd[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    output.append(buf, static_cast<size_t>(n));
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  *code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return output;
}

std::string normalize_registry_key(std::string_view key) {
  std::string lowered = to_lower(key);
  std::string_view k = lowered;
  if (k.rfind("https://", 0) == 0)
    k.remove_prefix(8);
  else if (k.rfind("http://", 0) == 0)
    k.remove_prefix(7);
  if (auto slash = k.find('/'); slash != std::string_view::npos) k = k.substr(0, slash);
  std::string h(k);
  if (h == "index.docker.io" || h == "registry-1.docker.io" || h == "registry.hub.docker.com") h = "docker.io";
  return h;
}

std::string CredentialStore::default_path() {
  if (const char* f = std::getenv("REGISTRY_AUTH_FILE"); f && *f) return f;
  if (const char* d = std::getenv("DOCKER_CONFIG"); d && *d) return std::string(d) + "/config.json";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.docker/config.json";
  return "";
}

std::string CredentialStore::describe_default_path() {
  std::string p = default_path();
  if (p.empty()) return "no docker config (neither REGISTRY_AUTH_FILE, DOCKER_CONFIG nor HOME is set)";
  const char* f = std::getenv("REGISTRY_AUTH_FILE");
  const char* d = std::getenv("DOCKER_CONFIG");
  return p + (f && *f ? " (from $REGISTRY_AUTH_FILE)" : d && *d ? " (from $DOCKER_CONFIG)" : " (the default)");
}

Result<CredentialStore> CredentialStore::load_default() {
  std::string p = default_path();
  CredentialStore store;
  if (!p.empty()) {
    DL_ASSIGN_OR_RETURN(store, load(p));
  }
  store.described_ = describe_default_path();
  return store;
}

std::string CredentialStore::describe(std::string_view registry) const {
  std::string host = normalize_registry_key(registry);
  std::string file = described_.empty() ? "no docker config" : described_;
  if (explicit_.count(host)) return "the credentials given for " + host;
  if (auto it = helpers_.find(host); it != helpers_.end())
    return "credential helper docker-credential-" + it->second + " (credHelpers in " + file + ")";
  if (auths_.count(host)) return "the auths entry for " + host + " in " + file;
  if (!store_.empty()) return "credential helper docker-credential-" + store_ + " (credsStore in " + file + ")";
  return "no entry for " + host + " in " + file;
}

Result<CredentialStore> CredentialStore::load(const std::string& config_path) {
  CredentialStore store;
  store.source_ = config_path;
  store.described_ = config_path + " (--registry-config)";
  std::error_code ec;
  if (!std::filesystem::exists(config_path, ec)) return store;
  auto text = read_file(config_path);
  if (!text.ok()) return text.error();
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return invalid(config_path + ": not a JSON object (expected Docker's config.json format)");
  if (j.contains("auths") && j["auths"].is_object()) {
    for (const auto& [key, entry] : j["auths"].items()) {
      Credential c;
      std::string auth = json_string(entry, "auth");
      if (!auth.empty()) {
        auto decoded = base64_decode(auth);
        auto colon = decoded ? decoded->find(':') : std::string::npos;
        if (!decoded || colon == std::string::npos)
          return invalid(config_path + ": auths[\"" + key + "\"].auth: expected base64 of 'user:password'");
        c.username = decoded->substr(0, colon);
        c.password = decoded->substr(colon + 1);
      }
      if (c.username.empty()) c.username = json_string(entry, "username");
      if (c.password.empty()) c.password = json_string(entry, "password");
      c.identity_token = json_string(entry, "identitytoken");
      if (!c.empty()) store.auths_[normalize_registry_key(key)] = c;
    }
  }
  if (j.contains("credHelpers") && j["credHelpers"].is_object())
    for (const auto& [key, name] : j["credHelpers"].items())
      if (name.is_string()) store.helpers_[normalize_registry_key(key)] = name.get<std::string>();
  store.store_ = json_string(j, "credsStore");
  return store;
}

void CredentialStore::set(const std::string& registry, Credential c) {
  explicit_[normalize_registry_key(registry)] = std::move(c);
}

Result<Credential> CredentialStore::run_helper(const std::string& name, const std::string& server) const {
  std::string program = "docker-credential-" + name;
  if (!helper_dir_.empty()) program = helper_dir_ + "/" + program;
  int code = 0;
  auto out = run_program(program, {"get"}, server, &code);
  if (!out.ok()) return out.error().wrap("credential helper for " + server);
  if (code != 0) {
    // Helpers report a missing entry on stdout with a non-zero exit.
    if (out->find("not found") != std::string::npos) return Credential{};
    return Error(ErrorKind::remote,
                 "credential helper " + program + " failed for " + server + " (exit " + std::to_string(code) + ")");
  }
  auto j = nlohmann::json::parse(*out, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return invalid("credential helper " + program + " for " + server +
                   ": output is not JSON (expected {\"Username\":..., \"Secret\":...})");
  Credential c;
  std::string user = json_string(j, "Username"), secret = json_string(j, "Secret");
  if (user == "<token>")
    c.identity_token = secret;
  else {
    c.username = user;
    c.password = secret;
  }
  return c;
}

Result<Credential> CredentialStore::lookup(std::string_view registry) const {
  std::string host = normalize_registry_key(registry);
  if (auto it = explicit_.find(host); it != explicit_.end()) return it->second;
  // Helpers are asked with the key Docker itself would store.
  std::string server = host == "docker.io" ? std::string(kHubKey) : host;
  if (auto it = helpers_.find(host); it != helpers_.end()) return run_helper(it->second, server);
  if (auto it = auths_.find(host); it != auths_.end()) return it->second;
  if (!store_.empty()) return run_helper(store_, server);
  return Credential{};
}

}  // namespace dl::registry
