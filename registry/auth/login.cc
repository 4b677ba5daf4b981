#include "registry/auth/login.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>

#include "base/base64.h"
#include "base/fs.h"

namespace dl::registry {

namespace {

using Json = nlohmann::ordered_json;
constexpr const char* kHubKey = "https://index.docker.io/v1/";

Result<Json> read_config(const std::string& path) {
  if (path.empty()) return invalid("no docker config: set DOCKER_CONFIG or HOME, or give --registry-config FILE");
  if (!fs::exists(path)) return Json::object();
  DL_ASSIGN_OR_RETURN(auto text, read_file(path));
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return invalid(path + ": not a JSON object; expected a docker config.json (nothing was changed)");
  return j;
}

Status write_config(const std::string& path, const Json& j) {
  DL_TRY(ensure_dir(fs::path(path).parent_path().empty() ? fs::path(".") : fs::path(path).parent_path()));
  DL_ASSIGN_OR_RETURN(auto f, AtomicFile::create(path));
  std::error_code ec;
  // Before a byte of it is written: the file holds passwords.
  fs::permissions(f.temp_path(), fs::perms::owner_read | fs::perms::owner_write, ec);
  if (ec) return io_error(f.temp_path().string() + ": chmod 0600: " + ec.message());
  DL_TRY(f.write(j.dump(1, '\t') + "\n"));
  return f.commit();
}

// The helper for `host`, as docker picks it: credHelpers by any key that
// names the host, else credsStore; "" when none.
std::string helper_for(const Json& j, const std::string& host) {
  if (j.contains("credHelpers") && j["credHelpers"].is_object())
    for (auto& [k, v] : j["credHelpers"].items())
      if (normalize_registry_key(k) == host && v.is_string()) return v.get<std::string>();
  if (j.contains("credsStore") && j["credsStore"].is_string()) return j["credsStore"].get<std::string>();
  return "";
}

Status run_helper(const std::string& dir, const std::string& name, const std::string& verb, const std::string& input,
                  const std::string& server) {
  std::string program = "docker-credential-" + name;
  if (!dir.empty()) program = dir + "/" + program;
  int code = 0;
  auto out = run_program(program, {verb}, input, &code);
  if (!out.ok()) return out.error().wrap("credential helper for " + server);
  if (code != 0) {
    if (verb == "erase" && out->find("not found") != std::string::npos)
      return not_found("not logged in to " + server + " (credential helper " + program + ")");
    // Helper output is not echoed: it may repeat what it was given.
    return Error(ErrorKind::remote, "credential helper " + program + " " + verb + " failed for " + server + " (exit " +
                                        std::to_string(code) + ")");
  }
  return {};
}

}  // namespace

Result<LoginResult> save_login(const std::string& config_path, std::string_view registry, const Credential& c,
                               const std::string& helper_dir) {
  std::string host = normalize_registry_key(registry);
  if (host.empty()) return invalid("login: expected a registry HOST[:PORT]");
  if (c.username.empty()) return invalid("login " + host + ": expected --username");
  if (c.password.empty()) return invalid("login " + host + ": the password from --password-stdin is empty");
  if (c.username.find(':') != std::string::npos) return invalid("login " + host + ": a username cannot contain ':'");
  DL_ASSIGN_OR_RETURN(auto j, read_config(config_path));
  LoginResult r{config_path, "", host == "docker.io" ? kHubKey : host};
  if (std::string helper = helper_for(j, host); !helper.empty()) {
    Json in{{"ServerURL", r.key}, {"Username", c.username}, {"Secret", c.password}};
    DL_TRY(run_helper(helper_dir, helper, "store", in.dump(), r.key));
    r.helper = "docker-credential-" + helper;
    return r;
  }
  if (!j.contains("auths") || !j["auths"].is_object()) j["auths"] = Json::object();
  auto& auths = j["auths"];
  for (auto it = auths.begin(); it != auths.end();)  // one entry per host
    it = normalize_registry_key(it.key()) == host ? auths.erase(it) : std::next(it);
  auths[r.key] = {{"auth", base64_encode(c.username + ":" + c.password)}};
  DL_TRY(write_config(config_path, j));
  return r;
}

Result<LoginResult> remove_login(const std::string& config_path, std::string_view registry,
                                 const std::string& helper_dir) {
  std::string host = normalize_registry_key(registry);
  if (host.empty()) return invalid("logout: expected a registry HOST[:PORT]");
  DL_ASSIGN_OR_RETURN(auto j, read_config(config_path));
  LoginResult r{config_path, "", host == "docker.io" ? kHubKey : host};
  bool removed = false;
  if (j.contains("auths") && j["auths"].is_object()) {
    auto& auths = j["auths"];
    for (auto it = auths.begin(); it != auths.end();) {
      bool mine = normalize_registry_key(it.key()) == host;
      removed |= mine;
      it = mine ? auths.erase(it) : std::next(it);
    }
  }
  if (removed) DL_TRY(write_config(config_path, j));
  if (std::string helper = helper_for(j, host); !helper.empty()) {
    Status st = run_helper(helper_dir, helper, "erase", r.key, r.key);
    if (st.ok()) {
      r.helper = "docker-credential-" + helper;
      return r;
    }
    if (!removed || st.error().kind() != ErrorKind::not_found) return st.error();
  }
  if (!removed) return not_found("not logged in to " + host + " (" + config_path + " has no entry for it)");
  return r;
}

Result<std::string> read_password(std::FILE* in) {
  std::string pw;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, in)) > 0) {
    pw.append(buf, n);
    if (pw.size() > (64u << 10)) return invalid("--password-stdin: more than 64 KiB; expected one password or token");
  }
  while (!pw.empty() && (pw.back() == '\n' || pw.back() == '\r')) pw.pop_back();
  return pw;
}

}  // namespace dl::registry
