#include "builder/apt/sources.h"

#include <algorithm>
#include <filesystem>

#include "base/fs.h"
#include "base/strings.h"
#include "builder/deb/deb822.h"

namespace dl::apt {

namespace {

std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n') {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

std::string loc(const std::string& file, int line) { return file + ":" + std::to_string(line); }

// Only http(s): everything else (file:, cdrom:, mirror+...) is refused.
Status check_uri(std::string& uri, const std::string& where) {
  std::string lower = to_lower(uri);
  if (!starts_with(lower, "http://") && !starts_with(lower, "https://"))
    return invalid(where + ": URI '" + uri + "' is not http(s); expected http:// or https://");
  while (!uri.empty() && uri.back() == '/') uri.pop_back();
  return {};
}

Status check_source(Source& s, const std::string& where) {
  if (s.uris.empty()) return invalid(where + ": no URIs; expected at least one http(s) URI");
  if (s.suites.empty()) return invalid(where + ": no Suites; expected e.g. 'bookworm'");
  for (auto& u : s.uris) DL_TRY(check_uri(u, where));
  for (const auto& suite : s.suites) {
    bool flat = !suite.empty() && suite.back() == '/';
    if (flat && !s.components.empty())
      return invalid(where + ": suite '" + suite + "' is a flat repository path and takes no Components");
    if (!flat && s.components.empty())
      return invalid(where + ": suite '" + suite + "' needs Components; expected e.g. 'main'");
  }
  return {};
}

// Signed-By holds either paths (one or more, we use the first) or an inline
// armored key block (its value starts with the armor header).
void set_signed_by(Source& s, const std::string& value) {
  std::string v = trim(value);
  if (v.find("-----BEGIN PGP PUBLIC KEY BLOCK-----") != std::string::npos) {
    s.signed_by_key = v + "\n";
  } else {
    auto w = words(v);
    if (!w.empty()) s.signed_by_file = w[0];
  }
}

const std::vector<std::string>& deb822_fields() {
  static const std::vector<std::string> k = {"Types",
                                             "URIs",
                                             "Suites",
                                             "Components",
                                             "Architectures",
                                             "Signed-By",
                                             "Enabled",
                                             "Languages",
                                             "Targets",
                                             "PDiffs",
                                             "By-Hash",
                                             "Allow-Insecure",
                                             "Trusted",
                                             "Check-Valid-Until",
                                             "Valid-Until-Min",
                                             "Valid-Until-Max",
                                             "Allow-Weak",
                                             "Allow-Downgrade-To-Insecure",
                                             "X-Repolib-Name",
                                             "Architectures-Add",
                                             "Architectures-Remove"};
  return k;
}

// Fields apt knows but which would weaken verification: refused, not ignored.
bool weakening(std::string_view f) {
  std::string l = to_lower(f);
  return l == "trusted" || l == "allow-insecure" || l == "allow-weak" || l == "allow-downgrade-to-insecure" ||
         l == "check-valid-until";
}

}  // namespace

Result<std::vector<Source>> parse_deb822_sources(std::string_view text, const std::string& file) {
  DL_ASSIGN_OR_RETURN(auto paras, deb::parse_deb822(text, file, {.max_paragraphs = 4096}));
  std::vector<Source> out;
  for (const auto& p : paras) {
    std::string where = loc(file, p.line);
    for (const auto& f : p.fields) {
      bool known = false;
      for (const auto& k : deb822_fields()) known |= to_lower(k) == to_lower(f.name);
      if (!known) {
        std::string near = nearest(f.name, deb822_fields());
        return invalid(loc(file, f.line) + ": unknown field '" + f.name + "'" +
                       (near.empty() ? "" : "; did you mean '" + near + "'?"));
      }
      if (weakening(f.name) && to_lower(trim(f.value)) != "no")
        return invalid(loc(file, f.line) + ": '" + f.name + "' would weaken signature checks; dlimage always verifies");
    }
    if (to_lower(p.get("Enabled")) == "no") continue;
    auto types = words(p.get("Types"));
    if (types.empty()) return invalid(where + ": no Types; expected 'deb'");
    for (const auto& t : types)
      if (t != "deb" && t != "deb-src")
        return invalid(where + ": unknown type '" + t + "'; expected 'deb' or 'deb-src'");
    if (std::find(types.begin(), types.end(), "deb") == types.end()) continue;
    Source s;
    s.origin = where;
    s.uris = words(p.get("URIs"));
    s.suites = words(p.get("Suites"));
    s.components = words(p.get("Components"));
    s.architectures = words(p.get("Architectures"));
    set_signed_by(s, p.folded("Signed-By"));
    DL_TRY(check_source(s, where));
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::vector<Source>> parse_sources_list(std::string_view text, const std::string& file) {
  std::vector<Source> out;
  int lineno = 0;
  for (const auto& raw : split(text, '\n')) {
    ++lineno;
    std::string line = raw;
    if (auto h = line.find('#'); h != std::string::npos) line.resize(h);
    line = trim(line);
    if (line.empty()) continue;
    std::string where = loc(file, lineno);
    std::string type;
    size_t sp = line.find_first_of(" \t");
    type = line.substr(0, sp);
    if (type == "deb-src") continue;
    if (type != "deb") return invalid(where + ": unknown type '" + type + "'; expected 'deb' or 'deb-src'");
    std::string rest = sp == std::string::npos ? "" : trim(line.substr(sp));
    Source s;
    s.origin = where;
    if (!rest.empty() && rest[0] == '[') {
      size_t close = rest.find(']');
      if (close == std::string::npos) return invalid(where + ": unterminated '[' options");
      for (const auto& opt : words(rest.substr(1, close - 1))) {
        size_t eq = opt.find('=');
        if (eq == std::string::npos) return invalid(where + ": option '" + opt + "' needs '=value'");
        std::string key = to_lower(opt.substr(0, eq)), val = opt.substr(eq + 1);
        if (key == "arch")
          s.architectures = split(val, ',');
        else if (key == "signed-by")
          s.signed_by_file = split(val, ',')[0];
        else if (key == "trusted" || key == "allow-insecure" || key == "allow-weak" || key == "check-valid-until")
          return invalid(where + ": option '" + key + "' would weaken signature checks; dlimage always verifies");
        else if (key != "lang" && key != "target" && key != "pdiffs" && key != "by-hash") {
          std::string near = nearest(key, {"arch", "signed-by", "lang", "target", "pdiffs", "by-hash"});
          return invalid(where + ": unknown option '" + key + "'" +
                         (near.empty() ? "" : "; did you mean '" + near + "'?"));
        }
      }
      rest = trim(rest.substr(close + 1));
    }
    auto w = words(rest);
    if (w.size() < 2) return invalid(where + ": expected 'deb [options] URI SUITE [COMPONENT...]'");
    s.uris = {w[0]};
    s.suites = {w[1]};
    s.components.assign(w.begin() + 2, w.end());
    DL_TRY(check_source(s, where));
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::vector<Source>> load_sources_file(const std::string& path) {
  DL_ASSIGN_OR_RETURN(std::string text, read_file(path));
  if (path.size() >= 8 && path.compare(path.size() - 8, 8, ".sources") == 0) return parse_deb822_sources(text, path);
  return parse_sources_list(text, path);
}

Result<std::vector<Source>> load_system_sources(const std::string& etc_apt) {
  std::vector<Source> out;
  std::error_code ec;
  fs::path list = fs::path(etc_apt) / "sources.list";
  if (fs::exists(list, ec)) {
    DL_ASSIGN_OR_RETURN(auto s, load_sources_file(list.string()));
    out.insert(out.end(), s.begin(), s.end());
  }
  std::vector<std::string> files;
  fs::path dir = fs::path(etc_apt) / "sources.list.d";
  if (fs::is_directory(dir, ec)) {
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      std::string name = e.path().filename().string();
      if (name.find(".disabled") != std::string::npos) continue;
      auto ends = [&](std::string_view suf) {
        return name.size() > suf.size() && name.compare(name.size() - suf.size(), suf.size(), suf) == 0;
      };
      if (ends(".list") || ends(".sources")) files.push_back(e.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    DL_ASSIGN_OR_RETURN(auto s, load_sources_file(f));
    out.insert(out.end(), s.begin(), s.end());
  }
  if (out.empty()) return not_found(etc_apt + ": no apt sources configured; pass --sources FILE");
  return out;
}

Result<std::vector<Source>> expand_source_files(const std::vector<Source>& sources) {
  std::vector<Source> out;
  for (const auto& s : sources) {
    if (s.file.empty()) {
      out.push_back(s);
      continue;
    }
    if (!fs::exists(s.file))
      return not_found(s.origin + ": apt sources file " + s.file +
                       " does not exist; expected a deb822 .sources or one-line .list file (an operator-provided "
                       "repository, README \"Python on the Ubuntu 16.04 bases\")");
    DL_ASSIGN_OR_RETURN(auto loaded, load_sources_file(s.file));
    if (loaded.empty()) return invalid(s.origin + ": apt sources file " + s.file + " declares no deb source");
    out.insert(out.end(), loaded.begin(), loaded.end());
  }
  return out;
}

}  // namespace dl::apt
