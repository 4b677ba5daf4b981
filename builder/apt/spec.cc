#include "builder/apt/spec.h"

#include <map>

#include "base/strings.h"

namespace dl::apt {

namespace {

bool name_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'; }

std::string where(const yamlsrc::Source& src, const YAML::Node& n) {
  return src.name() + ":" + std::to_string(n.Mark().line + 1) + ":" + std::to_string(n.Mark().column + 1);
}

// A scalar or a sequence of scalars ("uris: http://h/debian" is fine).
Result<std::vector<std::string>> words(const YAML::Node& n, const yamlsrc::Source& src, const std::string& what) {
  if (n.IsScalar()) {
    std::vector<std::string> out;
    for (auto& w : split(n.Scalar(), ' '))
      if (!trim(w).empty()) out.push_back(trim(w));
    return out;
  }
  return src.scalar_list(n, what);
}

Result<Source> parse_source(const YAML::Node& n, const yamlsrc::Source& src,
                            const std::vector<std::string>& entry_keys) {
  DL_TRY(src.expect_map(n, "apt source"));
  std::vector<std::string> keys = {"uris", "suites", "components", "architectures", "signed_by", "file"};
  keys.insert(keys.end(), entry_keys.begin(), entry_keys.end());
  DL_TRY(src.check_keys(n, keys, "apt source"));
  Source s;
  s.origin = where(src, n);
  if (n["file"]) {
    for (const char* k : {"uris", "suites", "components", "architectures", "signed_by"})
      if (n[k])
        return src.error_at(
            n[k], std::string("'") + k + "' next to 'file'; expected one of them: the file declares its sources");
    DL_ASSIGN_OR_RETURN(s.file, src.scalar(n["file"], "file"));
    if (s.file.empty() || s.file.front() != '/')
      return src.error_at(n["file"], "apt sources file '" + s.file +
                                         "' is not an absolute path; expected e.g. /etc/dlimage/apt/python.sources");
    return s;
  }
  for (const char* req : {"uris", "suites", "signed_by"})
    if (!n[req])
      return src.error_at(
          n, std::string("apt source has no '") + req + "'" +
                 (std::string(req) == "signed_by" ? "; expected the keyring file that signs this repository" : ""));
  DL_ASSIGN_OR_RETURN(s.uris, words(n["uris"], src, "uris"));
  DL_ASSIGN_OR_RETURN(s.suites, words(n["suites"], src, "suites"));
  if (n["components"]) {
    DL_ASSIGN_OR_RETURN(s.components, words(n["components"], src, "components"));
  }
  if (n["architectures"]) {
    DL_ASSIGN_OR_RETURN(s.architectures, words(n["architectures"], src, "architectures"));
  }
  DL_ASSIGN_OR_RETURN(std::string key, src.scalar(n["signed_by"], "signed_by"));
  if (key.find("-----BEGIN PGP PUBLIC KEY BLOCK-----") != std::string::npos)
    s.signed_by_key = key;
  else
    s.signed_by_file = key;
  for (auto& u : s.uris) {
    std::string l = to_lower(u);
    if (!starts_with(l, "http://") && !starts_with(l, "https://"))
      return src.error_at(n["uris"], "URI '" + u + "' is not http(s); expected http:// or https://");
    while (!u.empty() && u.back() == '/') u.pop_back();
  }
  for (const auto& suite : s.suites) {
    bool flat = !suite.empty() && suite.back() == '/';
    if (!flat && s.components.empty())
      return src.error_at(n, "apt source suite '" + suite + "' needs components; expected e.g. [main]");
  }
  return s;
}

Result<PackageSpec> parse_package(const YAML::Node& n, const yamlsrc::Source& src,
                                  const std::vector<std::string>& entry_keys) {
  if (n.IsScalar()) {
    auto p = parse_package_spec(n.Scalar());
    if (!p.ok()) return src.error_at(n, p.error().message());
    return p;
  }
  DL_TRY(src.expect_map(n, "apt package"));
  std::vector<std::string> keys = {"name", "version"};
  keys.insert(keys.end(), entry_keys.begin(), entry_keys.end());
  DL_TRY(src.check_keys(n, keys, "apt package"));
  if (!n["name"]) return src.error_at(n, "apt package has no 'name'");
  DL_ASSIGN_OR_RETURN(std::string name, src.scalar(n["name"], "name"));
  auto p = parse_package_spec(name);
  if (!p.ok()) return src.error_at(n["name"], p.error().message());
  if (n["version"]) {
    if (!p->version.empty()) return src.error_at(n["version"], "version given twice (in name and version)");
    DL_ASSIGN_OR_RETURN(p->version, src.scalar(n["version"], "version"));
    if (p->version.empty() || p->version.find(' ') != std::string::npos)
      return src.error_at(n["version"], "version '" + p->version + "' is not a Debian version");
  }
  return p;
}

}  // namespace

Result<PackageSpec> parse_package_spec(std::string_view text) {
  std::string t = trim(text);
  PackageSpec p;
  size_t eq = t.find('=');
  if (eq != std::string::npos) {
    p.version = trim(t.substr(eq + 1));
    t = trim(t.substr(0, eq));
    if (p.version.empty()) return invalid("package '" + std::string(text) + "': empty version after '='");
  }
  size_t colon = t.find(':');
  if (colon != std::string::npos) {
    p.arch = t.substr(colon + 1);
    t.resize(colon);
    if (p.arch.empty()) return invalid("package '" + std::string(text) + "': empty architecture after ':'");
  }
  bool ok = t.size() >= 2 && ((t[0] >= 'a' && t[0] <= 'z') || (t[0] >= '0' && t[0] <= '9'));
  for (char c : t) ok = ok && name_char(c);
  if (!ok) {
    std::string lower = to_lower(t);
    return invalid("package name '" + t + "' is not a Debian package name; expected lowercase letters, digits, + - ." +
                   (lower != t ? " (as in '" + lower + "')" : ""));
  }
  p.name = t;
  return p;
}

namespace {
Result<AptSpec> parse_apt_spec_nodes(const YAML::Node& node, const yamlsrc::Source& src,
                                     const std::vector<std::string>& extra_keys,
                                     const std::vector<std::string>& entry_keys) {
  DL_TRY(src.expect_map(node, "apt"));
  std::vector<std::string> keys = {"sources", "packages", "recommends"};
  keys.insert(keys.end(), extra_keys.begin(), extra_keys.end());
  DL_TRY(src.check_keys(node, keys, "apt"));
  AptSpec spec;
  if (node["sources"]) {
    DL_TRY(src.expect_seq(node["sources"], "apt sources"));
    for (const auto& s : node["sources"]) {
      DL_ASSIGN_OR_RETURN(auto source, parse_source(s, src, entry_keys));
      spec.sources.push_back(std::move(source));
    }
  }
  if (node["packages"]) {
    DL_TRY(src.expect_seq(node["packages"], "apt packages"));
    for (const auto& p : node["packages"]) {
      DL_ASSIGN_OR_RETURN(auto pkg, parse_package(p, src, entry_keys));
      spec.packages.push_back(std::move(pkg));
    }
  }
  if (node["recommends"]) {
    DL_ASSIGN_OR_RETURN(std::string r, src.scalar(node["recommends"], "recommends"));
    if (r == "true")
      spec.recommends = true;
    else if (r == "false")
      spec.recommends = false;
    else
      return src.error_at(node["recommends"], "recommends must be true or false; got '" + r + "'");
  }
  return spec;
}
}  // namespace

Result<AptSpec> parse_apt_spec(const YAML::Node& node, const yamlsrc::Source& src,
                               const std::vector<std::string>& extra_keys, const std::vector<std::string>& entry_keys) {
  return yamlsrc::guarded(src, [&] { return parse_apt_spec_nodes(node, src, extra_keys, entry_keys); });
}

Result<AptSpec> merge_apt_specs(const std::vector<AptSpec>& specs) {
  AptSpec out;
  std::map<std::string, std::string> pins;  // name:arch -> version
  for (const auto& s : specs) {
    out.sources.insert(out.sources.end(), s.sources.begin(), s.sources.end());
    out.recommends = out.recommends || s.recommends;
    for (const auto& p : s.packages) {
      std::string key = p.name + ":" + p.arch;
      auto it = pins.find(key);
      if (it == pins.end()) {
        pins[key] = p.version;
        out.packages.push_back(p);
        continue;
      }
      if (it->second == p.version) continue;
      if (it->second.empty() || p.version.empty()) {
        // An unpinned mention defers to the pinned one.
        if (it->second.empty()) {
          it->second = p.version;
          for (auto& q : out.packages)
            if (q.name == p.name && q.arch == p.arch) q.version = p.version;
        }
        continue;
      }
      return invalid("apt package " + p.name + " is pinned twice: '" + it->second + "' and '" + p.version + "'");
    }
  }
  return out;
}

}  // namespace dl::apt
