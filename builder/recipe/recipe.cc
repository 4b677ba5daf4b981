#include "builder/recipe/recipe.h"

#include <charconv>

#include <set>

#include "base/confined.h"
#include "base/fs.h"
#include "base/strings.h"
#include "builder/matrix/matrix_model.h"
#include "builder/matrix/yaml_source.h"

namespace dl::recipe {

namespace {

using yamlsrc::Source;

const std::vector<std::string> kKeys = {"schema", "name",  "extends", "wheels",     "artifacts", "files",   "env",
                                        "labels", "ports", "cmd",     "entrypoint", "workdir",   "catalog", "apt"};

class Loader {
 public:
  Loader(std::string dir, const matrix::Cell& cell) : dir_(std::move(dir)), cell_(cell) {
    for (auto& [k, _] : cell.vars) known_.insert(k);
  }

  Status load(const std::string& name, Recipe& out, std::set<std::string>& visiting) {
    std::string path = dir_ + "/" + name + ".yaml";
    // A recipe name is a file name in the recipes directory, never a path.
    if (name.empty() || name[0] == '.' || name.find('/') != std::string::npos)
      return invalid(path + ": recipe name '" + name + "' (named by " + cell_.group +
                     ") is not a plain name; expected a file name in " + dir_);
    return yamlsrc::guarded(Source(path), [&] { return load_file(path, name, out, visiting); });
  }

  Status load_file(const std::string& path, const std::string& name, Recipe& out, std::set<std::string>& visiting) {
    if (!visiting.insert(name).second) return invalid(path + ": 'extends' loops back to " + name);
    auto text = read_bounded(path, yamlsrc::Limits{}.max_bytes, "recipe");
    if (!text.ok() && text.error().kind() != ErrorKind::not_found) return text.error();
    if (!text.ok()) return invalid(path + ": cannot read recipe '" + name + "' (named by " + cell_.group + ")");
    Source src(path);
    DL_ASSIGN_OR_RETURN(auto root, src.parse(*text));
    DL_TRY(src.expect_map(root, "a recipe"));
    DL_TRY(src.check_keys(root, kKeys, "recipe"));
    if (root["extends"]) {
      DL_ASSIGN_OR_RETURN(auto parents, src.scalar_list(root["extends"], "extends"));
      for (auto& p : parents) DL_TRY(load(p, out, visiting));
    }
    out.name = name;
    out.path = path;
    if (root["apt"]) apt_sections_.push_back({path, std::make_shared<const YAML::Node>(root["apt"])});
    for (auto& item : entries(src, root["wheels"], "wheels")) {
      if (!applies(src, item)) continue;
      DL_TRY(status_);
      WheelSpec w;
      if (item.IsScalar()) {
        DL_ASSIGN_OR_RETURN(w.requirement, render(src, item, "wheel requirement"));
      } else {
        DL_TRY(src.check_keys(item, {"require", "variant", "layer", "when"}, "wheels entry"));
        if (!item["require"])
          return src.error_at(item, "wheels entry has no 'require'; expected a PEP 508 requirement");
        DL_ASSIGN_OR_RETURN(w.requirement, render(src, item["require"], "require"));
        if (item["variant"]) {
          DL_ASSIGN_OR_RETURN(w.variant, render(src, item["variant"], "variant"));
        }
        if (item["layer"]) {
          DL_ASSIGN_OR_RETURN(w.layer, src.scalar(item["layer"], "layer"));
        }
      }
      if (w.layer.empty()) w.layer = "framework";
      if (w.layer != "shared" && w.layer != "framework")
        return src.error_at(item["layer"], "layer must be 'shared' or 'framework'; got '" + w.layer + "'");
      out.wheels.push_back(w);
    }
    DL_TRY(status_);
    for (auto& item : entries(src, root["artifacts"], "artifacts")) {
      if (!applies(src, item)) continue;
      DL_TRY(src.check_keys(item, {"url", "sha256", "dest", "strip", "when"}, "artifacts entry"));
      Artifact a;
      a.origin = src.name() + ":" + std::to_string(item.Mark().line + 1) + ":" + std::to_string(item.Mark().column + 1);
      for (const char* req : {"url", "dest"})
        if (!item[req]) return src.error_at(item, std::string("artifacts entry has no '") + req + "'");
      DL_ASSIGN_OR_RETURN(a.url, render(src, item["url"], "url"));
      DL_ASSIGN_OR_RETURN(a.dest, render(src, item["dest"], "dest"));
      if (item["sha256"]) {
        DL_ASSIGN_OR_RETURN(a.sha256, src.scalar(item["sha256"], "sha256"));
      }
      if (item["strip"]) {
        DL_ASSIGN_OR_RETURN(a.strip, src.integer(item["strip"], "strip"));
      }
      bool remote = a.url.rfind("http://", 0) == 0 || a.url.rfind("https://", 0) == 0;
      if (remote && a.sha256.size() != 64)
        return src.error_at(item, "artifact " + a.url + " has no sha256; expected 64 hex digits for a download");
      out.artifacts.push_back(a);
    }
    DL_TRY(status_);
    for (auto& item : entries(src, root["files"], "files")) {
      if (!applies(src, item)) continue;
      DL_TRY(src.check_keys(item, {"src", "content", "dest", "mode", "when"}, "files entry"));
      FileSpec f;
      if (!item["dest"]) return src.error_at(item, "files entry has no 'dest'");
      DL_ASSIGN_OR_RETURN(f.dest, render(src, item["dest"], "dest"));
      if (item["src"]) {
        DL_ASSIGN_OR_RETURN(f.src, src.scalar(item["src"], "src"));
        // Confined to the recipes directory: no "..", no absolute path, no
        // symlink leading out (checked with every link resolved).
        auto inside = resolve_beneath(dir_, f.src, "files src");
        if (!inside.ok()) return src.error_at(item["src"], inside.error().message());
        f.src = inside->string();
      } else if (item["content"]) {
        DL_ASSIGN_OR_RETURN(f.content, render(src, item["content"], "content"));
      } else {
        return src.error_at(item, "files entry needs 'src' or 'content'");
      }
      if (item["mode"]) {
        DL_ASSIGN_OR_RETURN(auto m, src.scalar(item["mode"], "mode"));
        unsigned mode = 0;
        auto [end, ec] = std::from_chars(m.data(), m.data() + m.size(), mode, 8);
        if (m.empty() || ec != std::errc() || end != m.data() + m.size() || mode > 07777)
          return src.error_at(item["mode"], "mode '" + m + "': expected octal permissions such as '0644' or '0755'");
        f.mode = mode;
      }
      if (f.dest.empty() || f.dest[0] != '/') return src.error_at(item["dest"], "dest must be an absolute path");
      out.files.push_back(f);
    }
    DL_TRY(status_);
    DL_TRY(merge_map(src, root["env"], "env", out.env));
    DL_TRY(merge_map(src, root["labels"], "labels", out.labels));
    if (root["ports"]) {
      DL_ASSIGN_OR_RETURN(auto ports, src.scalar_list(root["ports"], "ports"));
      for (size_t i = 0; i < ports.size(); ++i) {
        DL_ASSIGN_OR_RETURN(int p, src.integer(root["ports"][i], "a port"));
        if (p <= 0 || p > 65535) return src.error_at(root["ports"][i], "port must be 1-65535");
        out.ports.push_back(p);
      }
    }
    for (auto [key, dest] : {std::pair{"cmd", &out.cmd}, {"entrypoint", &out.entrypoint}})
      if (root[key]) {
        DL_ASSIGN_OR_RETURN(*dest, src.scalar_list(root[key], key));
      }
    if (root["workdir"]) {
      DL_ASSIGN_OR_RETURN(out.workdir, src.scalar(root["workdir"], "workdir"));
    }
    for (auto& item : entries(src, root["catalog"], "catalog")) {
      DL_TRY(src.check_keys(item, {"name", "version", "python", "variant", "url", "sha256"}, "catalog entry"));
      CatalogEntry e;
      for (auto [key, dest] : {std::pair{"name", &e.name},
                               {"version", &e.version},
                               {"python", &e.python},
                               {"variant", &e.variant},
                               {"url", &e.url}}) {
        if (!item[key]) return src.error_at(item, std::string("catalog entry has no '") + key + "'");
        DL_ASSIGN_OR_RETURN(*dest, src.scalar(item[key], key));
      }
      if (item["sha256"]) {
        DL_ASSIGN_OR_RETURN(e.sha256, src.scalar(item["sha256"], "sha256"));
      }
      out.catalog.push_back(e);
    }
    visiting.erase(name);
    return status_;
  }

 private:
  std::vector<YAML::Node> entries(const Source& src, const YAML::Node& n, const std::string& what) {
    std::vector<YAML::Node> out;
    if (!n) return out;
    if (!n.IsSequence()) {
      status_ = src.error_at(n, what + " must be a sequence; got " + yamlsrc::describe(n));
      return out;
    }
    for (const auto& item : n) out.push_back(item);
    return out;
  }

  // Evaluates an entry's `when:` against the cell.
  bool applies(const Source& src, const YAML::Node& item) {
    if (!item.IsMap() || !item["when"]) return true;
    if (!item["when"].IsMap()) {
      status_ = src.error_at(item["when"], "when must be a mapping; got " + yamlsrc::describe(item["when"]));
      return false;
    }
    matrix::model::Condition c;
    // Range-for over a named node: yaml-cpp's iterator->second lives in a
    // temporary proxy, so `for (v : it->second)` would read a dead object.
    const YAML::Node when = item["when"];
    for (const auto& kv : when) {
      std::string key = kv.first.Scalar();
      if (!known_.count(key)) {
        std::string hint = nearest(key, std::vector<std::string>(known_.begin(), known_.end()));
        status_ = src.error_at(kv.first, "condition tests unknown key '" + key + "'; expected a matrix variable" +
                                             (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
        return false;
      }
      std::vector<std::string> values;
      const YAML::Node value = kv.second;
      if (value.IsSequence())
        for (const auto& v : value) values.push_back(v.Scalar());
      else
        values.push_back(value.Scalar());
      c.terms.emplace_back(key, values);
    }
    return c.matches(cell_.vars);
  }

 public:
  // The matrix's and the recipes' apt: sections, parsed by builder/apt with
  // each entry's when: evaluated against the cell.
  Status load_apt(Recipe& out) {
    std::vector<matrix::AptSection> sections = {cell_.base.apt, cell_.accelerator.apt};
    sections.insert(sections.end(), apt_sections_.begin(), apt_sections_.end());
    std::vector<apt::AptSpec> specs;
    for (const auto& sec : sections) {
      if (!sec.node) continue;
      Source src(sec.file);
      const YAML::Node& n = *sec.node;
      DL_ASSIGN_OR_RETURN(auto spec, apt::parse_apt_spec(n, src, {"allow_scripts"}, {"when"}));
      DL_ASSIGN_OR_RETURN(spec.sources, keep_applying(src, n["sources"], spec.sources));
      DL_ASSIGN_OR_RETURN(spec.packages, keep_applying(src, n["packages"], spec.packages));
      if (n["allow_scripts"]) {
        DL_ASSIGN_OR_RETURN(auto allowed, src.scalar_list(n["allow_scripts"], "apt.allow_scripts"));
        out.apt_allow_scripts.insert(out.apt_allow_scripts.end(), allowed.begin(), allowed.end());
      }
      specs.push_back(std::move(spec));
    }
    DL_ASSIGN_OR_RETURN(out.apt, apt::merge_apt_specs(specs));
    return {};
  }

  // The parsed entries of `seq` whose when: matches the cell (same order).
  template <class T>
  Result<std::vector<T>> keep_applying(const Source& src, const YAML::Node& seq, const std::vector<T>& parsed) {
    std::vector<T> kept;
    if (!seq) return kept;
    for (size_t i = 0; i < parsed.size(); ++i) {
      bool yes = applies(src, seq[i]);
      DL_TRY(status_);
      if (yes) kept.push_back(parsed[i]);
    }
    return kept;
  }

 private:
  Result<std::string> render(const Source& src, const YAML::Node& n, const std::string& what) {
    DL_ASSIGN_OR_RETURN(auto text, src.scalar(n, what));
    size_t off = 0;
    auto t = matrix::TagTemplate::compile(text, known_, &off);
    if (!t.ok()) {
      YAML::Mark m = n.Mark();
      m.column = yamlsrc::value_column(n) - 1 + int(off);
      std::string msg = t.error().message();
      auto pos = msg.find("tag template");
      if (pos == 0) msg = "template" + msg.substr(12);
      return src.error_at(m, msg);
    }
    return t->render(cell_.vars);
  }

  Status merge_map(const Source& src, const YAML::Node& n, const std::string& what,
                   std::vector<std::pair<std::string, std::string>>& out) {
    if (!n) return {};
    DL_TRY(src.expect_map(n, what));
    for (auto it = n.begin(); it != n.end(); ++it) {
      DL_ASSIGN_OR_RETURN(auto v, render(src, it->second, what + "." + it->first.Scalar()));
      bool replaced = false;
      for (auto& [k, old] : out)
        if (k == it->first.Scalar()) old = v, replaced = true;
      if (!replaced) out.emplace_back(it->first.Scalar(), v);
    }
    return {};
  }

  std::string dir_;
  const matrix::Cell& cell_;
  std::set<std::string> known_;
  Status status_;
  std::vector<matrix::AptSection> apt_sections_;  // recipe files, parents first
};

}  // namespace

Result<Recipe> load_for_cell(const std::string& dir, const std::string& name, const matrix::Cell& cell) {
  Recipe r;
  Loader loader(dir, cell);
  std::set<std::string> visiting;
  DL_TRY(loader.load(name, r, visiting));
  DL_TRY(loader.load_apt(r));
  return r;
}

Status check_all(const std::string& dir, const matrix::Matrix& m) {
  for (auto& c : m.cells) DL_TRY(load_for_cell(dir, c.recipe, c));
  return {};
}

}  // namespace dl::recipe
