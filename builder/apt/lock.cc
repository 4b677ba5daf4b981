#include "builder/apt/lock.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "base/json_fields.h"
#include "base/sha256.h"
#include "base/strings.h"
#include "net/url.h"

namespace dl::apt {

namespace {

using json = nlohmann::json;
using json_fields::bool_at;
using json_fields::known_keys;
using json_fields::string_at;
using json_fields::strings_at;

std::string spec_text(const PackageSpec& p) {
  return p.name + (p.arch.empty() ? "" : ":" + p.arch) + (p.version.empty() ? "" : "=" + p.version);
}

std::string source_line(const Source& s) {
  std::vector<std::string> uris;
  for (const auto& u : s.uris) uris.push_back(net::strip_secrets(u));
  std::string line = join(uris, " ") + " " + join(s.suites, " ");
  if (!s.components.empty()) line += " " + join(s.components, " ");
  if (!s.architectures.empty()) line += " arch=" + join(s.architectures, ",");
  if (!s.signed_by_file.empty()) line += " signed-by=" + s.signed_by_file;
  if (!s.signed_by_key.empty()) line += " signed-by=inline:sha256:" + Sha256::hex(s.signed_by_key);
  return line;
}

Result<LockedDeb> parse_deb(const json& d, const std::string& where) {
  if (!d.is_object()) return invalid(where + ": expected an object");
  DL_TRY(known_keys(d, {"arch", "filename", "name", "sha256", "size", "url", "version"}, where));
  LockedDeb x;
  DL_ASSIGN_OR_RETURN(x.name, string_at(d, "name", where));
  DL_ASSIGN_OR_RETURN(x.version, string_at(d, "version", where));
  DL_ASSIGN_OR_RETURN(x.arch, string_at(d, "arch", where));
  DL_ASSIGN_OR_RETURN(x.filename, string_at(d, "filename", where));
  DL_ASSIGN_OR_RETURN(x.sha256, string_at(d, "sha256", where));
  DL_ASSIGN_OR_RETURN(x.url, string_at(d, "url", where));
  DL_ASSIGN_OR_RETURN(x.size, json_fields::uint_at(d, "size", where, "bytes"));
  DL_TRY(json_fields::check_sha256_hex(x.sha256, where));
  if (x.filename.empty() || x.filename.front() == '/' || x.filename.find("..") != std::string::npos)
    return invalid(where + ": \"filename\" " + x.filename + " (expected a relative pool path without '..')");
  return x;
}

Result<LockedImage> parse_image(const json& e, const std::string& where) {
  if (!e.is_object()) return invalid(where + ": expected an object");
  DL_TRY(known_keys(e, {"arch", "base", "debs", "essential", "recommends", "releases", "request", "sources"}, where));
  LockedImage img;
  DL_ASSIGN_OR_RETURN(img.inputs.arch, string_at(e, "arch", where));
  DL_ASSIGN_OR_RETURN(img.inputs.base, string_at(e, "base", where));
  DL_ASSIGN_OR_RETURN(img.inputs.essential, bool_at(e, "essential", where));
  DL_ASSIGN_OR_RETURN(img.inputs.recommends, bool_at(e, "recommends", where));
  DL_ASSIGN_OR_RETURN(img.inputs.request, strings_at(e, "request", where));
  DL_ASSIGN_OR_RETURN(img.inputs.sources, strings_at(e, "sources", where));
  if (!e.contains("releases") || !e["releases"].is_array())
    return invalid(where + ": missing \"releases\" (expected a list)");
  for (size_t i = 0; i < e["releases"].size(); ++i) {
    const json& r = e["releases"][i];
    std::string w = where + ": releases[" + std::to_string(i) + "]";
    if (!r.is_object()) return invalid(w + ": expected an object");
    DL_TRY(known_keys(r, {"sha256", "url"}, w));
    LockedRelease rel;
    DL_ASSIGN_OR_RETURN(rel.url, string_at(r, "url", w));
    DL_ASSIGN_OR_RETURN(rel.sha256, string_at(r, "sha256", w));
    img.lock.releases.push_back(rel);
  }
  if (!e.contains("debs") || !e["debs"].is_array()) return invalid(where + ": missing \"debs\" (expected a list)");
  for (size_t i = 0; i < e["debs"].size(); ++i) {
    DL_ASSIGN_OR_RETURN(auto d, parse_deb(e["debs"][i], where + ": debs[" + std::to_string(i) + "]"));
    img.lock.debs.push_back(std::move(d));
  }
  return img;
}

}  // namespace

AptLock make_lock(const std::vector<RepoIndex>& repos, const std::vector<ResolvedPackage>& pkgs) {
  AptLock lock;
  for (const auto& r : repos) lock.releases.push_back({net::strip_secrets(r.release_url), r.release_sha256});
  std::sort(lock.releases.begin(), lock.releases.end(),
            [](const LockedRelease& a, const LockedRelease& b) { return a.url < b.url; });
  lock.releases.erase(std::unique(lock.releases.begin(), lock.releases.end()), lock.releases.end());
  for (const auto& p : pkgs)
    lock.debs.push_back({p.name, p.version, p.arch, p.filename, p.size, p.sha256, net::strip_secrets(p.url)});
  std::sort(lock.debs.begin(), lock.debs.end(), [](const LockedDeb& a, const LockedDeb& b) {
    return a.name != b.name ? a.name < b.name : a.arch < b.arch;
  });
  return lock;
}

LockInputs lock_inputs(const std::vector<Source>& sources, const std::vector<PackageSpec>& request,
                       const std::string& arch, const std::string& base, bool essential, bool recommends) {
  LockInputs in;
  in.arch = arch;
  in.base = base;
  in.essential = essential;
  in.recommends = recommends;
  for (const auto& p : request) in.request.push_back(spec_text(p));
  std::sort(in.request.begin(), in.request.end());
  for (const auto& s : sources) in.sources.push_back(source_line(s));
  return in;
}

std::vector<ResolvedPackage> locked_packages(const AptLock& lock) {
  std::vector<ResolvedPackage> out;
  for (const auto& d : lock.debs) {
    ResolvedPackage p;
    p.name = d.name;
    p.version = d.version;
    p.arch = d.arch;
    p.filename = d.filename;
    p.size = d.size;
    p.sha256 = d.sha256;
    p.url = d.url;
    out.push_back(std::move(p));
  }
  return out;
}

Result<AptLockFile> parse_apt_lock(const std::string& text, const std::string& where) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return invalid(where + ": \"apt\" (expected an object)");
  AptLockFile out;
  for (const auto& [ref, e] : j.items()) {
    DL_ASSIGN_OR_RETURN(out[ref], parse_image(e, where + ": apt[" + json(ref).dump() + "]"));
  }
  return out;
}

std::string apt_lock_to_json(const AptLockFile& entries) {
  json j = json::object();
  for (const auto& [ref, img] : entries) {
    json releases = json::array(), debs = json::array();
    for (const auto& r : img.lock.releases) releases.push_back({{"url", r.url}, {"sha256", r.sha256}});
    for (const auto& d : img.lock.debs)
      debs.push_back({{"name", d.name},
                      {"version", d.version},
                      {"arch", d.arch},
                      {"filename", d.filename},
                      {"size", d.size},
                      {"sha256", d.sha256},
                      {"url", d.url}});
    j[ref] = {{"arch", img.inputs.arch},
              {"base", img.inputs.base},
              {"essential", img.inputs.essential},
              {"recommends", img.inputs.recommends},
              {"request", img.inputs.request},
              {"sources", img.inputs.sources},
              {"releases", releases},
              {"debs", debs}};
  }
  return j.dump();  // nlohmann's object keys are sorted: canonical
}

}  // namespace dl::apt
