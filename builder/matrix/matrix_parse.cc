// matrix.yaml -> model::Document, with every error located at file:line:col.
#include <algorithm>
#include <cctype>
#include <set>

#include "base/strings.h"
#include "builder/matrix/catalog_parse.h"
#include "builder/matrix/matrix_model.h"

namespace dl::matrix::model {

namespace {

using yamlsrc::Source;

const std::vector<std::string> kTopKeys = {"schema", "bases", "pythons", "accelerators", "isa", "images"};
const std::vector<std::string> kGroupKeys = {"name",    "repo", "framework", "recipe", "axes",     "zip", "exclude",
                                             "include", "vars", "set",       "tags",   "auto_tag", "hub"};
const std::vector<std::string> kCatalogAxes = {"python", "accelerator", "isa"};
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
