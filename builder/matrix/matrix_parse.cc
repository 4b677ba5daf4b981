// matrix.yaml -> model::Document, with every error located at file:line:col.
#include <algorithm>
#include <cctype>
#include <set>

#include "base/strings.h"
#include "builder/matrix/matrix_model.h"

namespace dl::matrix::model {

namespace {

using yamlsrc::Source;

const std::vector<std::string> kTopKeys = {"schema", "bases", "pythons", "accelerators", "isa", "images"};
const std::vector<std::string> kGroupKeys = {"name",    "repo", "framework", "recipe", "axes",     "zip", "exclude",
                                             "include", "vars", "set",       "tags",   "auto_tag", "hub"};
const std::vector<std::string> kCatalogAxes = {"python", "accelerator", "isa"};
// Accelerator attributes are template variables too ({accelerator.tag}), so
// the set is closed: a misspelt attribute would otherwise become a variable
// nothing reads.
const std::vector<std::string> kAcceleratorKeys = {"kind", "cuda", "cudnn",         "rocm",
                                                   "base", "tag",  "wheel_variant", "apt"};

// A Python version is MAJOR.MINOR ("3.6"): the form pypa::Interpreter parses
// once per cell. Checked here so a typo is named at its file:line:col, not
// found later by the build with no location.
bool digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

bool is_major_minor(const std::string& v) {
  auto dot = v.find('.');
  return dot != std::string::npos && digits(v.substr(0, dot)) && digits(v.substr(dot + 1));
}

// The MAJOR.MINOR a malformed version most likely meant: "36" -> "3.6",
// "python3.6" -> "3.6", "3.6.9" -> "3.6"; "" when there is no clear guess.
std::string python_version_hint(std::string v) {
  for (const char* prefix : {"python", "py", "cp"})
    if (v.rfind(prefix, 0) == 0) {
      v.erase(0, std::string(prefix).size());
      break;
    }
  if (is_major_minor(v)) return v;
  auto dot = v.find('.');
  auto dot2 = dot == std::string::npos ? dot : v.find('.', dot + 1);
  if (dot2 != std::string::npos && is_major_minor(v.substr(0, dot2))) return v.substr(0, dot2);
  if (digits(v) && (v.size() == 2 || v.size() == 3)) return v.substr(0, 1) + "." + v.substr(1);
  return "";
}

// `version` sits at byte `offset` of the scalar `key` (a part of "2.7/3.6").
Status check_python_version(const Source& src, const YAML::Node& key, const std::string& version, size_t offset,
                            const std::string& what) {
  if (is_major_minor(version)) return {};
  YAML::Mark m = key.Mark();
  m.column = yamlsrc::value_column(key) - 1 + int(offset);
  std::string hint = python_version_hint(version);
  return src.error_at(m, what + " '" + version + "' is not a Python version; expected MAJOR.MINOR, e.g. 3.6" +
                             (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
}

Result<BaseImage> parse_base(const Source& src, const std::string& key, const YAML::Node& n) {
  DL_TRY(src.expect_map(n, "bases." + key));
  DL_TRY(src.check_keys(n, {"ref", "glibc", "os", "arch", "pythons", "apt"}, "bases." + key));
  BaseImage b;
  b.key = key;
  if (!n["ref"]) return src.error_at(n, "bases." + key + " has no 'ref'; expected an image reference");
  DL_ASSIGN_OR_RETURN(b.ref, src.scalar(n["ref"], "bases." + key + ".ref"));
  if (n["glibc"]) {
    DL_ASSIGN_OR_RETURN(b.glibc, src.scalar(n["glibc"], "bases." + key + ".glibc"));
  }
  if (n["os"]) {
    DL_ASSIGN_OR_RETURN(b.os, src.scalar(n["os"], "bases." + key + ".os"));
  }
  if (n["arch"]) {
    DL_ASSIGN_OR_RETURN(b.arch, src.scalar(n["arch"], "bases." + key + ".arch"));
    // OCI spelling: resolve compares it with the machine's.
    static const std::vector<std::string> kArchs = {"amd64", "arm64", "386", "arm", "ppc64le", "s390x", "riscv64"};
    if (std::find(kArchs.begin(), kArchs.end(), b.arch) == kArchs.end()) {
      std::string hint = b.arch == "x86_64" ? "amd64" : b.arch == "aarch64" ? "arm64" : nearest(b.arch, kArchs);
      return src.error_at(
          n["arch"], "bases." + key + ".arch '" + b.arch + "' is not an OCI architecture; " +
                         (hint.empty() ? "expected one of: " + join(kArchs, ", ") : "did you mean '" + hint + "'?"));
    }
  }
  if (n["apt"]) {
    DL_TRY(src.expect_map(n["apt"], "bases." + key + ".apt"));
    b.apt = {src.name(), std::make_shared<const YAML::Node>(n["apt"])};
  }
  if (n["pythons"]) {
    const auto& ps = n["pythons"];
    DL_TRY(src.expect_map(ps, "bases." + key + ".pythons"));
    for (auto it = ps.begin(); it != ps.end(); ++it) {
      std::string what = "bases." + key + ".pythons." + it->first.Scalar();
      DL_TRY(src.expect_map(it->second, what));
      DL_TRY(src.check_keys(it->second, {"abi", "interpreter", "site_packages"}, what));
      PythonLayout p;
      p.version = it->first.Scalar();
      DL_TRY(check_python_version(src, it->first, p.version, 0, "bases." + key + ".pythons key"));
      for (auto [field, dest] :
           {std::pair{"abi", &p.abi}, {"interpreter", &p.interpreter}, {"site_packages", &p.site_packages}}) {
        if (!it->second[field]) return src.error_at(it->second, what + " has no '" + field + "'");
        DL_ASSIGN_OR_RETURN(*dest, src.scalar(it->second[field], what + "." + field));
      }
      b.pythons.push_back(p);
    }
  }
  return b;
}

Status parse_catalog(const Source& src, const YAML::Node& root, Catalog& cat) {
  if (root["bases"]) {
    DL_TRY(src.expect_map(root["bases"], "bases"));
    for (auto it = root["bases"].begin(); it != root["bases"].end(); ++it) {
      DL_ASSIGN_OR_RETURN(auto b, parse_base(src, it->first.Scalar(), it->second));
      cat.bases[b.key] = b;
    }
  }
  if (root["pythons"]) {
    DL_TRY(src.expect_map(root["pythons"], "pythons"));
    for (auto it = root["pythons"].begin(); it != root["pythons"].end(); ++it) {
      std::string key = it->first.Scalar();
      std::map<std::string, std::string> attrs;
      if (!it->second.IsNull()) {
        DL_ASSIGN_OR_RETURN(auto kv, src.string_map(it->second, "pythons." + key));
        attrs.insert(kv.begin(), kv.end());
      }
      size_t offset = 0;
      for (const auto& v : split(key, '/')) {
        if (v.empty())
          return src.error_at(it->first, "python value '" + key + "' has an empty version; expected e.g. 2.7/3.6");
        DL_TRY(check_python_version(src, it->first, v, offset, "python value"));
        offset += v.size() + 1;
      }
      cat.pythons[key] = attrs;
    }
  }
  if (root["accelerators"]) {
    DL_TRY(src.expect_map(root["accelerators"], "accelerators"));
    for (auto it = root["accelerators"].begin(); it != root["accelerators"].end(); ++it) {
      std::string key = it->first.Scalar();
      DL_TRY(src.expect_map(it->second, "accelerators." + key));
      DL_TRY(src.check_keys(it->second, kAcceleratorKeys, "accelerators." + key));
      // `apt:` is a section, the rest are string attributes (template variables).
      YAML::Node attrs_node = it->second;
      AptSection apt;
      if (it->second.IsMap() && it->second["apt"]) {
        DL_TRY(src.expect_map(it->second["apt"], "accelerators." + key + ".apt"));
        apt = {src.name(), std::make_shared<const YAML::Node>(it->second["apt"])};
        attrs_node = YAML::Clone(it->second);
        attrs_node.remove("apt");
      }
      DL_ASSIGN_OR_RETURN(auto kv, src.string_map(attrs_node, "accelerators." + key));
      Accelerator a;
      a.key = key;
      a.apt = apt;
      for (auto& [k, v] : kv) {
        a.attrs[k] = v;
        if (k == "kind") a.kind = v;
        if (k == "cuda") a.cuda = v;
        if (k == "cudnn") a.cudnn = v;
        if (k == "rocm") a.rocm = v;
        if (k == "base") a.base = v;
      }
      if (a.kind != "cpu" && a.kind != "cuda" && a.kind != "rocm")
        return src.error_at(it->second,
                            "accelerators." + key + ".kind must be cpu, cuda or rocm; got '" + a.kind + "'");
      if (a.kind == "cuda" && a.cuda.empty())
        return src.error_at(it->second, "accelerators." + key + " is kind cuda but has no 'cuda' version");
      if (a.kind == "rocm" && a.rocm.empty())
        return src.error_at(it->second, "accelerators." + key + " is kind rocm but has no 'rocm' version");
      if (a.base.empty())
        return src.error_at(it->second, "accelerators." + key + " has no 'base'; expected a key of bases:");
      if (!cat.bases.count(a.base)) {
        std::vector<std::string> names;
        for (auto& [n, _] : cat.bases) names.push_back(n);
        std::string hint = nearest(a.base, names);
        return src.error_at(it->second["base"],
                            "accelerators." + key + ".base '" + a.base +
                                "' is not defined in bases:" + (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
      }
      cat.accelerators[key] = a;
    }
  }
  if (root["isa"]) {
    DL_TRY(src.expect_map(root["isa"], "isa"));
    for (auto it = root["isa"].begin(); it != root["isa"].end(); ++it) {
      std::string key = it->first.Scalar();
      DL_TRY(src.expect_map(it->second, "isa." + key));
      DL_TRY(src.check_keys(it->second, {"rank", "features", "tag"}, "isa." + key));
      IsaVariant v;
      v.key = key;
      if (it->second["rank"]) {
        DL_ASSIGN_OR_RETURN(v.rank, src.integer(it->second["rank"], "isa." + key + ".rank"));
      }
      if (it->second["features"]) {
        DL_ASSIGN_OR_RETURN(v.features, src.scalar_list(it->second["features"], "isa." + key + ".features"));
      }
      if (it->second["tag"]) {
        DL_ASSIGN_OR_RETURN(v.attrs["tag"], src.scalar(it->second["tag"], "isa." + key + ".tag"));
      }
      v.attrs["rank"] = std::to_string(v.rank);
      v.attrs["features"] = join(v.features, " ");
      cat.isa[key] = v;
    }
  }
  if (!cat.isa.count("generic")) {
    IsaVariant g;
    g.key = "generic";
    g.attrs = {{"tag", ""}, {"rank", "0"}, {"features", ""}};
    cat.isa["generic"] = g;
  }
  return {};
}

// Values a catalogue axis may take, and its attribute names.
std::vector<std::string> catalog_values(const Catalog& c, const std::string& axis) {
  std::vector<std::string> out;
  if (axis == "python")
    for (auto& [k, _] : c.pythons) out.push_back(k);
  if (axis == "accelerator")
    for (auto& [k, _] : c.accelerators) out.push_back(k);
  if (axis == "isa")
    for (auto& [k, _] : c.isa) out.push_back(k);
  return out;
}

std::set<std::string> catalog_attrs(const Catalog& c, const std::string& axis) {
  std::set<std::string> out;
  if (axis == "python")
    for (auto& [_, a] : c.pythons)
      for (auto& [k, v] : a) out.insert(k);
  if (axis == "accelerator")
    for (auto& [_, a] : c.accelerators)
      for (auto& [k, v] : a.attrs) out.insert(k);
  if (axis == "isa")
    for (auto& [_, a] : c.isa)
      for (auto& [k, v] : a.attrs) out.insert(k);
  return out;
}

class GroupParser {
 public:
  GroupParser(const Source& src, const Catalog& cat) : src_(src), cat_(cat) {}

  Result<Group> parse(const YAML::Node& n, size_t index) {
    std::string where = "images[" + std::to_string(index) + "]";
    DL_TRY(src_.expect_map(n, where));
    DL_TRY(src_.check_keys(n, kGroupKeys, "image group"));
    Group g;
    g.mark = n.Mark();
    for (const char* req : {"repo", "framework", "axes", "tags"})
      if (!n[req]) return src_.error_at(n, where + " has no '" + req + "'");
    DL_ASSIGN_OR_RETURN(g.repo, src_.scalar(n["repo"], "repo"));
    DL_ASSIGN_OR_RETURN(g.framework, src_.scalar(n["framework"], "framework"));
    g.name = g.framework;
    if (n["name"]) {
      DL_ASSIGN_OR_RETURN(g.name, src_.scalar(n["name"], "name"));
    }
    g.recipe = g.framework;
    if (n["recipe"]) {
      DL_ASSIGN_OR_RETURN(g.recipe, src_.scalar(n["recipe"], "recipe"));
    }
    DL_TRY(parse_axes(n["axes"], g));
    if (n["zip"]) DL_TRY(parse_zip(n["zip"], g));
    if (n["vars"]) {
      DL_ASSIGN_OR_RETURN(g.vars, src_.string_map(n["vars"], "vars"));
    }
    if (n["set"]) DL_TRY(parse_sets(n["set"], g));
    known_ = variables(g);
    if (n["exclude"]) DL_TRY(parse_conditions(n["exclude"], "exclude", g, g.excludes));
    if (n["include"]) DL_TRY(parse_includes(n["include"], g));
    DL_TRY(parse_tags(n["tags"], g));
    if (n["hub"]) DL_TRY(parse_hub(n["hub"], g));
    if (n["auto_tag"]) DL_TRY(parse_auto_tag(n["auto_tag"], g));
    return g;
  }

 private:
  Status parse_hub(const YAML::Node& n, Group& g) {
    DL_TRY(src_.expect_map(n, "hub"));
    DL_TRY(src_.check_keys(n, {"description", "readme"}, "hub page"));
    if (n["description"]) {
      DL_ASSIGN_OR_RETURN(g.hub_description, src_.scalar(n["description"], "hub.description"));
    }
    if (n["readme"]) {
      DL_ASSIGN_OR_RETURN(g.hub_readme, src_.scalar(n["readme"], "hub.readme"));
    }
    return {};
  }

  Status parse_axes(const YAML::Node& n, Group& g) {
    DL_TRY(src_.expect_map(n, "axes"));
    for (auto it = n.begin(); it != n.end(); ++it) {
      std::string axis = it->first.Scalar();
      DL_ASSIGN_OR_RETURN(auto values, src_.scalar_list(it->second, "axis '" + axis + "'"));
      if (values.empty()) return src_.error_at(it->second, "axis '" + axis + "' is empty; expected at least one value");
      if (axis == "python" || axis == "accelerator" || axis == "isa") {
        auto allowed = catalog_values(cat_, axis);
        for (size_t i = 0; i < values.size(); ++i) {
          if (std::find(allowed.begin(), allowed.end(), values[i]) != allowed.end()) continue;
          std::string hint = nearest(values[i], allowed);
          return src_.error_at(it->second[i], "unknown " + axis + " '" + values[i] + "'; " +
                                                  (hint.empty() ? "expected one of: " + join(allowed, ", ")
                                                                : "did you mean '" + hint + "'?"));
        }
      }
      g.axes.emplace_back(axis, values);
    }
    for (const char* req : {"version", "python", "accelerator"})
      if (!axis_values(g, req))
        return src_.error_at(n, "axes has no '" + std::string(req) + "'; every image needs one");
    if (!axis_values(g, "isa")) g.axes.emplace_back("isa", std::vector<std::string>{"generic"});
    return {};
  }

  static const std::vector<std::string>* axis_values(const Group& g, const std::string& name) {
    for (auto& [k, v] : g.axes)
      if (k == name) return &v;
    return nullptr;
  }

  Status parse_zip(const YAML::Node& n, Group& g) {
    DL_TRY(src_.expect_seq(n, "zip"));
    std::set<std::string> used;
    for (const auto& z : n) {
      DL_ASSIGN_OR_RETURN(auto names, src_.scalar_list(z, "each zip entry"));
      size_t len = 0;
      for (size_t i = 0; i < names.size(); ++i) {
        auto* vals = axis_values(g, names[i]);
        if (!vals) return src_.error_at(z[i], "zip names '" + names[i] + "', which is not an axis of this image group");
        if (!used.insert(names[i]).second) return src_.error_at(z[i], "axis '" + names[i] + "' appears in two zips");
        if (i == 0) len = vals->size();
        if (vals->size() != len)
          return src_.error_at(z, "zipped axes must have the same length; '" + names[0] + "' has " +
                                      std::to_string(len) + " values, '" + names[i] + "' has " +
                                      std::to_string(vals->size()));
      }
      g.zips.push_back(names);
    }
    return {};
  }

  // Keys a condition may test: axes, catalogue attributes, group variables.
  Result<std::string> condition_key(const YAML::Node& key_node, const Group& g) {
    std::string key = key_node.Scalar();
    auto dot = key.find('.');
    if (dot != std::string::npos) {
      std::string axis = key.substr(0, dot), attr = key.substr(dot + 1);
      auto attrs = catalog_attrs(cat_, axis);
      if (std::find(kCatalogAxes.begin(), kCatalogAxes.end(), axis) != kCatalogAxes.end() && attrs.count(attr))
        return key;
    } else if (axis_values(g, key)) {
      return key;
    }
    std::vector<std::string> names;
    for (auto& [a, _] : g.axes) names.push_back(a);
    for (auto& axis : kCatalogAxes)
      for (auto& attr : catalog_attrs(cat_, axis)) names.push_back(axis + "." + attr);
    std::string hint = nearest(key, names);
    return src_.error_at(key_node,
                         "condition tests unknown key '" + key + "'; " +
                             (hint.empty() ? "expected an axis or axis.attribute" : "did you mean '" + hint + "'?"));
  }

  Result<Condition> parse_condition(const YAML::Node& n, const std::string& what, const Group& g) {
    DL_TRY(src_.expect_map(n, what));
    Condition c;
    for (auto it = n.begin(); it != n.end(); ++it) {
      DL_ASSIGN_OR_RETURN(auto key, condition_key(it->first, g));
      std::vector<std::string> values;
      if (it->second.IsSequence()) {
        DL_ASSIGN_OR_RETURN(values, src_.scalar_list(it->second, what + "." + key));
      } else {
        DL_ASSIGN_OR_RETURN(auto v, src_.scalar(it->second, what + "." + key));
        values.push_back(v);
      }
      DL_TRY(check_condition_values(it->second, key, values, g));
      c.terms.emplace_back(key, values);
    }
    return c;
  }

  // Values an exclude/when term can meet: the axis's values, or every value
  // the catalogue attribute takes ("accelerator.kind": cpu, cuda, rocm).
  std::vector<std::string> condition_values(const std::string& key, const Group& g) const {
    std::set<std::string> out;
    if (auto* vals = axis_values(g, key)) out.insert(vals->begin(), vals->end());
    auto dot = key.find('.');
    if (dot != std::string::npos) {
      std::string axis = key.substr(0, dot), attr = key.substr(dot + 1);
      if (axis == "python")
        for (auto& [_, a] : cat_.pythons)
          if (a.count(attr)) out.insert(a.at(attr));
      if (axis == "accelerator")
        for (auto& [_, a] : cat_.accelerators)
          if (a.attrs.count(attr)) out.insert(a.attrs.at(attr));
      if (axis == "isa")
        for (auto& [_, a] : cat_.isa)
          if (a.attrs.count(attr)) out.insert(a.attrs.at(attr));
    }
    return {out.begin(), out.end()};
  }

  Status check_condition_values(const YAML::Node& n, const std::string& key, const std::vector<std::string>& values,
                                const Group& g) {
    auto allowed = condition_values(key, g);
    for (size_t i = 0; i < values.size(); ++i) {
      bool hit = false;
      for (const auto& a : allowed) hit = hit || glob_match(values[i], a);
      if (hit) continue;
      std::string hint = nearest(values[i], allowed);
      return src_.error_at(n.IsSequence() ? n[i] : n, "no value of '" + key + "' is '" + values[i] + "'; " +
                                                          (hint.empty() ? "expected one of: " + join(allowed, ", ")
                                                                        : "did you mean '" + hint + "'?"));
    }
    return {};
  }

  Status parse_conditions(const YAML::Node& n, const std::string& what, const Group& g, std::vector<Condition>& out) {
    DL_TRY(src_.expect_seq(n, what));
    for (const auto& item : n) {
      DL_ASSIGN_OR_RETURN(auto c, parse_condition(item, what + " entry", g));
      out.push_back(c);
    }
    return {};
  }

  Status parse_includes(const YAML::Node& n, Group& g) {
    DL_TRY(src_.expect_seq(n, "include"));
    for (const auto& item : n) {
      DL_ASSIGN_OR_RETURN(auto kv, src_.string_map(item, "include entry"));
      std::map<std::string, std::string> assign(kv.begin(), kv.end());
      for (auto& [axis, values] : g.axes) {
        auto it = assign.find(axis);
        if (it == assign.end())
          return src_.error_at(item, "include entry has no value for axis '" + axis + "'; expected every axis");
        if (axis == "python" || axis == "accelerator" || axis == "isa") {
          auto allowed = catalog_values(cat_, axis);
          if (std::find(allowed.begin(), allowed.end(), it->second) == allowed.end())
            return src_.error_at(item[axis],
                                 "unknown " + axis + " '" + it->second + "'; expected one of: " + join(allowed, ", "));
        }
      }
      for (auto& [k, _] : assign)
        if (!axis_values(g, k)) return src_.error_at(item[k], "include entry names '" + k + "', which is not an axis");
      g.includes.push_back(assign);
    }
    return {};
  }

  Status parse_sets(const YAML::Node& n, Group& g) {
    DL_TRY(src_.expect_seq(n, "set"));
    for (const auto& item : n) {
      DL_TRY(src_.expect_map(item, "set entry"));
      DL_TRY(src_.check_keys(item, {"when", "vars"}, "set entry"));
      if (!item["when"] || !item["vars"]) return src_.error_at(item, "set entry needs 'when' and 'vars'");
      SetRule r;
      DL_ASSIGN_OR_RETURN(r.when, parse_condition(item["when"], "when", g));
      DL_ASSIGN_OR_RETURN(r.vars, src_.string_map(item["vars"], "vars"));
      g.sets.push_back(r);
    }
    return {};
  }

  std::set<std::string> variables(const Group& g) {
    std::set<std::string> known = {"framework", "repo", "name"};
    for (auto& [axis, _] : g.axes) known.insert(axis);
    for (auto& axis : kCatalogAxes)
      for (auto& attr : catalog_attrs(cat_, axis)) known.insert(axis + "." + attr);
    for (auto& [k, _] : g.vars) known.insert(k);
    for (auto& s : g.sets)
      for (auto& [k, _] : s.vars) known.insert(k);
    return known;
  }

  // One template for the index over a group's ISA builds: it must not name
  // the ISA, or every build would get an index of its own.
  Status parse_auto_tag(const YAML::Node& n, Group& g) {
    DL_ASSIGN_OR_RETURN(auto text, src_.scalar(n, "auto_tag (a tag template)"));
    std::set<std::string> known;
    for (auto& k : known_)
      if (k != "isa" && k.rfind("isa.", 0) != 0) known.insert(k);
    size_t off = 0;
    auto t = TagTemplate::compile(text, known, &off);
    if (!t.ok()) {
      YAML::Mark m = n.Mark();
      m.column = yamlsrc::value_column(n) - 1 + int(off);
      std::string why = t.error().message();
      if (text.compare(off, 4, "{isa") == 0)
        why = "auto_tag must not use {isa...}: its index spans the group's ISA builds (" + why + ")";
      return src_.error_at(m, why);
    }
    g.auto_tag = TagSpec{std::move(t).value(), std::nullopt, n.Mark()};
    return {};
  }

  Status parse_tags(const YAML::Node& n, Group& g) {
    DL_TRY(src_.expect_seq(n, "tags"));
    if (n.size() == 0) return src_.error_at(n, "tags is empty; expected at least one tag template");
    for (const auto& item : n) {
      TagSpec spec;
      YAML::Node tmpl_node = item;
      if (item.IsMap()) {
        DL_TRY(src_.check_keys(item, {"tag", "when"}, "tags entry"));
        if (!item["tag"]) return src_.error_at(item, "tags entry has no 'tag'");
        tmpl_node.reset(item["tag"]);  // reset rebinds; operator= would overwrite `item`
        if (item["when"]) {
          DL_ASSIGN_OR_RETURN(spec.when, parse_condition(item["when"], "when", g));
        }
      }
      DL_ASSIGN_OR_RETURN(auto text, src_.scalar(tmpl_node, "a tag template"));
      size_t off = 0;
      auto t = TagTemplate::compile(text, known_, &off);
      if (!t.ok()) {
        YAML::Mark m = tmpl_node.Mark();
        m.column = yamlsrc::value_column(tmpl_node) - 1 + int(off);
        return src_.error_at(m, t.error().message());
      }
      spec.tmpl = std::move(t).value();
      spec.mark = tmpl_node.Mark();
      g.tags.push_back(std::move(spec));
    }
    return {};
  }

  const Source& src_;
  const Catalog& cat_;
  std::set<std::string> known_;
};

}  // namespace

bool Condition::matches(const std::map<std::string, std::string>& vars) const {
  for (const auto& [key, values] : terms) {
    auto it = vars.find(key);
    if (it == vars.end()) return false;
    if (std::find(values.begin(), values.end(), it->second) == values.end()) return false;
  }
  return true;
}

Result<Document> parse_document(const Source& src, const YAML::Node& root) {
  if (!root.IsMap()) return src.error_at(root, "top level must be a mapping; got " + yamlsrc::describe(root));
  DL_TRY(src.check_keys(root, kTopKeys, "matrix"));
  if (root["schema"]) {
    DL_ASSIGN_OR_RETURN(int schema, src.integer(root["schema"], "schema"));
    if (schema != 1)
      return src.error_at(root["schema"], "unsupported schema " + std::to_string(schema) + "; expected 1");
  }
  Document doc;
  DL_TRY(parse_catalog(src, root, doc.catalog));
  if (!root["images"]) return src.error_at(root, "no 'images' list; expected at least one image group");
  DL_TRY(src.expect_seq(root["images"], "images"));
  GroupParser gp(src, doc.catalog);
  size_t i = 0;
  for (const auto& g : root["images"]) {
    DL_ASSIGN_OR_RETURN(auto group, gp.parse(g, i++));
    doc.groups.push_back(std::move(group));
  }
  return doc;
}

}  // namespace dl::matrix::model
