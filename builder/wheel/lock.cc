#include "builder/wheel/lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <tuple>

#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "base/json_fields.h"
#include "base/strings.h"
#include "builder/pypa/name.h"

namespace dl::wheel {

namespace {

using json = nlohmann::json;
using json_fields::string_at;
using json_fields::strings_at;

void sort_wheels(std::vector<LockedWheel>& v) {
  std::sort(v.begin(), v.end(), [](const LockedWheel& a, const LockedWheel& b) {
    return std::make_pair(pypa::normalize_name(a.name), a.filename) <
           std::make_pair(pypa::normalize_name(b.name), b.filename);
  });
}

bool credential_param(std::string key) {
  key = to_lower(key);
  for (const char* k : {"token", "auth", "key", "secret", "password", "passwd", "pwd", "signature", "sig", "credential",
                        "session", "x-amz-", "x-goog-", "access"})
    if (key.find(k) != std::string::npos) return true;
  return false;
}

json wheel_json(const LockedWheel& w) {
  json j = {{"name", w.name}, {"version", w.version}, {"filename", w.filename},
            {"url", w.url},   {"sha256", w.sha256},   {"size", w.size}};
  if (!w.requires_.empty()) j["requires"] = w.requires_;
  return j;
}

Result<LockedWheel> parse_wheel(const json& w, const std::string& at) {
  if (!w.is_object()) return invalid(at + ": expected an object");
  DL_TRY(json_fields::known_keys(w, {"name", "version", "filename", "url", "sha256", "size", "requires"}, at));
  LockedWheel lw;
  DL_ASSIGN_OR_RETURN(lw.name, string_at(w, "name", at));
  DL_ASSIGN_OR_RETURN(lw.version, string_at(w, "version", at));
  DL_ASSIGN_OR_RETURN(lw.filename, string_at(w, "filename", at));
  DL_ASSIGN_OR_RETURN(lw.url, string_at(w, "url", at));
  DL_ASSIGN_OR_RETURN(lw.sha256, string_at(w, "sha256", at));
  DL_ASSIGN_OR_RETURN(lw.requires_, strings_at(w, "requires", at, false));
  DL_ASSIGN_OR_RETURN(lw.size, json_fields::uint_at(w, "size", at, "a byte count"));
  DL_TRY(json_fields::check_sha256_hex(lw.sha256, at));
  return lw;
}

Result<LockedEnvironment> parse_environment(const json& e, const std::string& at) {
  if (!e.is_object()) return invalid(at + ": expected an object");
  DL_TRY(json_fields::known_keys(e, {"cell", "python", "abi", "glibc", "variant", "requirements", "wheels"}, at));
  LockedEnvironment env;
  DL_ASSIGN_OR_RETURN(env.cell, string_at(e, "cell", at));
  DL_ASSIGN_OR_RETURN(env.python, string_at(e, "python", at));
  DL_ASSIGN_OR_RETURN(env.abi, string_at(e, "abi", at));
  DL_ASSIGN_OR_RETURN(env.glibc, string_at(e, "glibc", at, false));
  DL_ASSIGN_OR_RETURN(env.variant, string_at(e, "variant", at, false));
  DL_ASSIGN_OR_RETURN(env.requirements, strings_at(e, "requirements", at, false));
  if (!e.contains("wheels") || !e["wheels"].is_array()) return invalid(at + ": missing \"wheels\" array");
  for (size_t i = 0; i < e["wheels"].size(); ++i) {
    DL_ASSIGN_OR_RETURN(auto w, parse_wheel(e["wheels"][i], at + ": wheels[" + std::to_string(i) + "]"));
    env.wheels.push_back(std::move(w));
  }
  sort_wheels(env.wheels);
  return env;
}

Result<LockedBase> parse_base(const json& b, const std::string& at) {
  if (!b.is_object()) return invalid(at + ": expected an object");
  DL_TRY(json_fields::known_keys(b, {"digest", "platform"}, at));
  LockedBase lb;
  DL_ASSIGN_OR_RETURN(lb.digest, string_at(b, "digest", at));
  DL_ASSIGN_OR_RETURN(lb.platform, string_at(b, "platform", at));
  if (!starts_with(lb.digest, "sha256:"))
    return invalid(at + ": \"digest\" " + lb.digest + " (expected sha256:<64 hex digits>)");
  DL_TRY(json_fields::check_sha256_hex(lb.digest.substr(7), at + ": \"digest\""));
  auto parts = split(lb.platform, '/');
  if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() || parts[1].empty())
    return invalid(at + ": \"platform\" " + lb.platform + " (expected OS/ARCH[/VARIANT], e.g. linux/amd64)");
  return lb;
}

void sort_artifacts(std::vector<LockedArtifact>& v) {
  std::sort(v.begin(), v.end(), [](const LockedArtifact& a, const LockedArtifact& b) {
    return std::tie(a.dest, a.url, a.sha256) < std::tie(b.dest, b.url, b.sha256);
  });
}

Result<LockedArtifact> parse_artifact(const json& a, const std::string& at) {
  if (!a.is_object()) return invalid(at + ": expected an object");
  DL_TRY(json_fields::known_keys(a, {"dest", "url", "sha256", "size"}, at));
  LockedArtifact la;
  DL_ASSIGN_OR_RETURN(la.dest, string_at(a, "dest", at));
  DL_ASSIGN_OR_RETURN(la.url, string_at(a, "url", at));
  DL_ASSIGN_OR_RETURN(la.sha256, string_at(a, "sha256", at));
  DL_ASSIGN_OR_RETURN(la.size, json_fields::uint_at(a, "size", at, "a byte count"));
  DL_TRY(json_fields::check_sha256_hex(la.sha256, at));
  if (lock_url(la.url) != la.url) return invalid(at + ": \"url\" carries credentials (expected none in a lock)");
  return la;
}

json bases_json(const Lock& lock) {
  json j = json::object();
  for (auto& [ref, b] : lock.bases) j[ref] = {{"digest", b.digest}, {"platform", b.platform}};
  return j;
}

json artifacts_json(const Lock& lock) {
  json j = json::object();
  for (auto& [ref, list] : lock.artifacts) {
    auto sorted = list;
    sort_artifacts(sorted);
    json a = json::array();
    for (auto& x : sorted) a.push_back({{"dest", x.dest}, {"sha256", x.sha256}, {"size", x.size}, {"url", x.url}});
    j[ref] = a;
  }
  return j;
}

// flock() on the directory: the lock file itself is replaced by rename, so
// its inode cannot carry the lock.
class DirLock {
 public:
  static Result<DirLock> acquire(const std::filesystem::path& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return io_error(dir.string() + ": cannot open to lock: " + std::strerror(errno));
    while (::flock(fd, LOCK_EX) != 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      return io_error(dir.string() + ": flock: " + std::strerror(e));
    }
    return DirLock(fd);
  }
  DirLock(DirLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  DirLock& operator=(DirLock&&) = delete;
  ~DirLock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the flock
  }

 private:
  explicit DirLock(int fd) : fd_(fd) {}
  int fd_;
};

// Objects holding objects or lists of objects are opened one key per line;
// everything else stays on one line: each .deb of the apt section is one
// line, so a package update is a one-line diff.
std::string reviewable(const json& j, int indent) {
  auto nested = [](const json& v) {
    if (v.is_object()) return true;
    if (!v.is_array()) return false;
    return std::any_of(v.begin(), v.end(), [](const json& x) { return x.is_object() || x.is_array(); });
  };
  bool open = j.is_object() && std::any_of(j.begin(), j.end(), nested);
  bool list = j.is_array() && nested(j);
  if (!open && !list) return j.dump();
  std::string pad(size_t(indent) + 2, ' '), out = open ? "{" : "[";
  bool first = true;
  if (open)
    for (auto& [k, v] : j.items()) {
      out += std::string(first ? "\n" : ",\n") + pad + json(k).dump() + ": " + reviewable(v, indent + 2);
      first = false;
    }
  else
    for (auto& v : j) {
      out += std::string(first ? "\n" : ",\n") + pad + reviewable(v, indent + 2);
      first = false;
    }
  return out + "\n" + std::string(size_t(indent), ' ') + (open ? "}" : "]");
}

}  // namespace

std::string lock_key(const std::string& cell_ref, const std::string& python) { return cell_ref + " python" + python; }

std::string lock_url(const std::string& url) {
  std::string u = url;
  size_t scheme = u.find("://");
  if (scheme != std::string::npos) {
    size_t host = scheme + 3;
    size_t end = u.find_first_of("/?#", host);
    size_t at = u.rfind('@', end == std::string::npos ? std::string::npos : end);
    if (at != std::string::npos && at >= host) u.erase(host, at + 1 - host);
  }
  u = u.substr(0, u.find('#'));
  size_t q = u.find('?');
  if (q == std::string::npos) return u;
  std::vector<std::string> kept;
  for (auto& kv : split(u.substr(q + 1), '&')) {
    if (kv.empty() || credential_param(kv.substr(0, kv.find('=')))) continue;
    kept.push_back(kv);
  }
  return u.substr(0, q) + (kept.empty() ? "" : "?" + join(kept, "&"));
}

std::string lock_to_json(const Lock& lock) {
  // Hand-assembled so each wheel is one line: a version bump is a one-line diff.
  std::string out = "{\n  \"version\": 2,\n";
  auto apt = json::parse(lock.apt, nullptr, false);
  out += "  \"apt\": " + (apt.is_discarded() ? std::string("{}") : reviewable(apt, 2)) + ",\n";
  // One line per artifact and per base: a re-pin is a one-line diff. Empty
  // sections are left out, so a cell's own entries (provenance.h hashes
  // them for the lock label) read as they did before locks pinned bases.
  if (!lock.artifacts.empty()) out += "  \"artifacts\": " + reviewable(artifacts_json(lock), 2) + ",\n";
  if (!lock.bases.empty()) out += "  \"bases\": " + reviewable(bases_json(lock), 2) + ",\n";
  out += "  \"environments\": {";
  bool first = true;
  for (auto& [key, env] : lock.environments) {
    out += first ? "\n" : ",\n";
    first = false;
    out += "    " + json(key).dump() + ": {\n";
    for (auto [k, v] : {std::pair{"cell", &env.cell},
                        {"python", &env.python},
                        {"abi", &env.abi},
                        {"glibc", &env.glibc},
                        {"variant", &env.variant}})
      out += "      " + json(k).dump() + ": " + json(*v).dump() + ",\n";
    out += "      \"requirements\": " + json(env.requirements).dump() + ",\n";
    out += "      \"wheels\": [";
    auto wheels = env.wheels;
    sort_wheels(wheels);
    for (size_t i = 0; i < wheels.size(); ++i)
      out += std::string(i ? ",\n" : "\n") + "        " + wheel_json(wheels[i]).dump();
    out += wheels.empty() ? "]\n" : "\n      ]\n";
    out += "    }";
  }
  out += lock.environments.empty() ? "}\n}\n" : "\n  }\n}\n";
  return out;
}

Result<Lock> parse_lock(const std::string& text, const std::string& where) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return invalid(where + ": not a JSON object (expected a wheel lock)");
  if (!j.contains("version") || j["version"] != 2)
    return invalid(where + ": \"version\" (expected 2; delete the file and run `dlimage lock` to regenerate it)");
  DL_TRY(json_fields::known_keys(j, {"version", "apt", "artifacts", "bases", "environments"}, where));
  Lock lock;
  for (const char* k : {"apt", "artifacts", "bases"})
    if (j.contains(k) && !j[k].is_object()) return invalid(where + ": \"" + k + "\" (expected an object)");
  if (j.contains("apt")) lock.apt = j["apt"].dump();
  if (j.contains("bases"))
    for (auto& [ref, b] : j["bases"].items()) {
      DL_ASSIGN_OR_RETURN(lock.bases[ref], parse_base(b, where + ": bases[" + json(ref).dump() + "]"));
    }
  if (j.contains("artifacts"))
    for (auto& [ref, list] : j["artifacts"].items()) {
      std::string at = where + ": artifacts[" + json(ref).dump() + "]";
      if (!list.is_array()) return invalid(at + ": expected a list");
      auto& out = lock.artifacts[ref];
      for (size_t i = 0; i < list.size(); ++i) {
        DL_ASSIGN_OR_RETURN(auto a, parse_artifact(list[i], at + "[" + std::to_string(i) + "]"));
        out.push_back(std::move(a));
      }
      sort_artifacts(out);
    }
  if (!j.contains("environments") || !j["environments"].is_object())
    return invalid(where + ": missing \"environments\" object");
  for (auto& [key, e] : j["environments"].items()) {
    DL_ASSIGN_OR_RETURN(auto env, parse_environment(e, where + ": environments[" + json(key).dump() + "]"));
    lock.environments[key] = std::move(env);
  }
  return lock;
}

Result<Lock> load_lock(const std::string& path) {
  if (!std::filesystem::exists(path)) return Lock{};
  DL_ASSIGN_OR_RETURN(std::string text, read_file(path));
  return parse_lock(text, path);
}

Status write_lock(const std::string& path, const Lock& lock) { return write_file_atomic(path, lock_to_json(lock)); }

Status update_lock(const std::string& path, const std::function<Status(Lock&)>& change) {
  auto dir = std::filesystem::absolute(path).parent_path();
  DL_TRY(ensure_dir(dir));
  DL_ASSIGN_OR_RETURN(auto held, DirLock::acquire(dir));
  DL_ASSIGN_OR_RETURN(auto lock, load_lock(path));
  Lock before = lock;
  DL_TRY(change(lock));
  if (lock == before && std::filesystem::exists(path)) return {};
  return write_lock(path, lock);
}

std::string base_moved_message(const std::string& ref, const std::string& locked, const std::string& found,
                               const std::string& where_found) {
  return "base " + ref + ": the lock pins " + locked + " but " + where_found + " has " + found +
         "; run `dlimage lock --upgrade-base " + ref + "` to re-pin it";
}

std::set<std::string> affected_cells(const Lock& before, const Lock& after) {
  std::set<std::string> out;
  for (auto& [id, env] : before.environments) {
    auto it = after.environments.find(id);
    if (it == after.environments.end() || !(it->second == env)) out.insert(id);
  }
  for (auto& [id, env] : after.environments)
    if (!before.environments.count(id)) out.insert(id);
  return out;
}

Result<std::vector<FetchedWheel>> fetch_locked(const Lock& lock, const std::string& key, WheelCache& cache) {
  auto it = lock.environments.find(key);
  if (it == lock.environments.end()) return not_found("lock has no environment \"" + key + "\"");
  std::vector<FetchedWheel> out;
  for (auto& w : it->second.wheels) {
    auto f = cache.fetch(w.url, w.sha256);
    if (!f.ok()) return f.error().wrap(key + ": " + w.filename);
    if (f->size != w.size)
      return Error(ErrorKind::integrity, key + ": " + w.filename + ": " + std::to_string(f->size) +
                                             " bytes, lock says " + std::to_string(w.size));
    out.push_back({w, std::move(*f)});
  }
  return out;
}

}  // namespace dl::wheel
