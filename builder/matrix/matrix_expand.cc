// model::Document -> cells: the product of each group's axes (zipped axes
// move together), minus excludes, plus includes, with tags rendered.
#include <algorithm>
#include <set>

#include "base/sha256.h"
#include "base/strings.h"
#include "builder/matrix/matrix_model.h"

namespace dl::matrix::model {

namespace {

using Assignment = std::map<std::string, std::string>;

// Each dimension is one axis, or several zipped axes moving in lockstep.
std::vector<Assignment> product(const Group& g) {
  std::vector<std::vector<Assignment>> dims;
  std::set<std::string> zipped;
  for (auto& z : g.zips) zipped.insert(z.begin(), z.end());
  for (auto& [axis, values] : g.axes) {
    if (zipped.count(axis)) {
      for (auto& z : g.zips) {
        if (z[0] != axis) continue;
        std::vector<Assignment> dim;
        for (size_t i = 0; i < values.size(); ++i) {
          Assignment a;
          for (auto& name : z)
            for (auto& [ax, vals] : g.axes)
              if (ax == name) a[name] = vals[i];
          dim.push_back(a);
        }
        dims.push_back(dim);
      }
      continue;
    }
    std::vector<Assignment> dim;
    for (auto& v : values) dim.push_back({{axis, v}});
    dims.push_back(dim);
  }
  std::vector<Assignment> out = {{}};
  for (auto& dim : dims) {
    std::vector<Assignment> next;
    for (auto& partial : out)
      for (auto& choice : dim) {
        Assignment a = partial;
        a.insert(choice.begin(), choice.end());
        next.push_back(a);
      }
    out.swap(next);
  }
  return out;
}

std::map<std::string, std::string> variables_of(const Catalog& cat, const Group& g, const Assignment& a) {
  std::map<std::string, std::string> vars = {{"framework", g.framework}, {"repo", g.repo}, {"name", g.name}};
  for (auto& [k, v] : a) vars[k] = v;
  for (auto& [k, v] : cat.pythons.at(a.at("python"))) vars["python." + k] = v;
  for (auto& [k, v] : cat.accelerators.at(a.at("accelerator")).attrs) vars["accelerator." + k] = v;
  for (auto& [k, v] : cat.isa.at(a.at("isa")).attrs) vars["isa." + k] = v;
  for (auto& [k, v] : g.vars) vars[k] = v;
  for (auto& rule : g.sets)
    if (rule.when.matches(vars))
      for (auto& [k, v] : rule.vars) vars[k] = v;
  return vars;
}

std::string cell_id(const Group& g, const Assignment& a) {
  std::string key = g.repo + "\n" + g.name;
  for (auto& [k, v] : a) key += "\n" + k + "=" + v;
  return Sha256::hex(key).substr(0, 12);
}

std::string describe_cell(const Cell& c) {
  std::string d = c.group;
  for (auto& [k, v] : c.axes) d += " " + k + "=" + v;
  return d;
}

}  // namespace

Result<Matrix> expand(const yamlsrc::Source& src, const Document& doc) {
  Matrix m;
  m.source = src.name();
  struct Owner {
    std::string cell;
  };
  std::map<std::string, Owner> tag_owner;
  for (const auto& g : doc.groups) {
    std::vector<Assignment> assigns;
    for (auto& a : product(g)) {
      bool excluded = false;
      for (auto& ex : g.excludes) {
        auto vars = variables_of(doc.catalog, g, a);
        if (ex.matches(vars)) { excluded = true; break; }
      }
      if (!excluded) assigns.push_back(a);
    }
    for (auto& inc : g.includes)
      if (std::find(assigns.begin(), assigns.end(), inc) == assigns.end()) assigns.push_back(inc);

    for (auto& a : assigns) {
      Cell c;
      c.group = g.name;
      c.repo = g.repo;
      c.framework = g.framework;
      c.recipe = g.recipe;
      c.axes = a;
      c.id = cell_id(g, a);
      c.version = a.at("version");
      c.python = a.at("python");
      c.pythons = split(c.python, '/');
      c.accelerator = doc.catalog.accelerators.at(a.at("accelerator"));
      c.isa = doc.catalog.isa.at(a.at("isa"));
      c.base = doc.catalog.bases.at(c.accelerator.base);
      for (auto& py : c.pythons) {
        bool found = false;
        for (auto& layout : c.base.pythons) found = found || layout.version == py;
        if (!found)
          return src.error_at(g.mark, "image group '" + g.name + "': base '" + c.base.key + "' has no Python " + py +
                                          "; expected it under bases." + c.base.key + ".pythons");
      }
      c.vars = variables_of(doc.catalog, g, a);
      for (auto& spec : g.tags) {
        if (spec.when && !spec.when->matches(c.vars)) continue;
        std::string tag = spec.tmpl.render(c.vars);
        if (!valid_tag(tag))
          return src.error_at(spec.mark, "tag template '" + spec.tmpl.text() + "' renders '" + tag + "' for " +
                                             describe_cell(c) + "; expected [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
        std::string ref = c.repo + ":" + tag;
        auto [it, fresh] = tag_owner.emplace(ref, Owner{describe_cell(c)});
        if (!fresh) {
          if (it->second.cell == describe_cell(c)) continue;  // an alias equal to the primary
          return src.error_at(spec.mark, "tag '" + ref + "' is produced by two cells: " + it->second.cell + " and " +
                                             describe_cell(c) + "; expected every tag to name one image");
        }
        c.tags.push_back(tag);
      }
      if (c.tags.empty())
        return src.error_at(g.mark, "image group '" + g.name + "': no tag applies to " + describe_cell(c) +
                                        "; expected at least one unconditional tag");
      m.cells.push_back(std::move(c));
    }
  }
  return m;
}

}  // namespace dl::matrix::model
