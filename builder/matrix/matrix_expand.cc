// model::Document -> cells: the product of each group's axes (zipped axes
// move together), minus excludes, plus includes, with tags rendered.
#include <algorithm>
#include <limits>
#include <set>
#include <unordered_map>

#include "base/sha256.h"
#include "base/strings.h"
#include "builder/matrix/matrix_model.h"

namespace dl::matrix::model {

namespace {

using Assignment = std::map<std::string, std::string>;

// The product of a group's axes, zipped axes moving in lockstep, walked
// with an odometer: a combination is one index per dimension, and a map is
// built only for combinations that survive the excludes.
class Product {
 public:
  explicit Product(const Group& g) : g_(g) {
    std::set<std::string> zipped;
    for (auto& z : g.zips) zipped.insert(z.begin(), z.end());
    for (size_t ai = 0; ai < g.axes.size(); ++ai) {
      const auto& axis = g.axes[ai].first;
      if (!zipped.count(axis)) {
        dims_.push_back({{ai}, g.axes[ai].second.size()});
        continue;
      }
      for (auto& z : g.zips) {
        if (z[0] != axis) continue;
        Dim d{{}, g.axes[ai].second.size()};
        for (auto& name : z)
          for (size_t aj = 0; aj < g.axes.size(); ++aj)
            if (g.axes[aj].first == name) d.axes.push_back(aj);
        dims_.push_back(d);
      }
    }
    for (size_t di = 0; di < dims_.size(); ++di)
      for (size_t ai : dims_[di].axes) axis_dim_[g.axes[ai].first] = {ai, di};
    idx_.assign(dims_.size(), 0);
    done_ = std::any_of(dims_.begin(), dims_.end(), [](const Dim& d) { return d.size == 0; });
  }

  bool done() const { return done_; }
  // How many combinations the odometer will visit, saturating at max.
  std::uint64_t count(std::uint64_t max) const {
    std::uint64_t n = 1;
    for (auto& d : dims_) {
      if (d.size == 0) return 0;
      n = n > max / d.size ? max : n * d.size;
    }
    return n;
  }
  void next() {
    for (size_t i = dims_.size(); i-- > 0;) {
      if (++idx_[i] < dims_[i].size) return;
      idx_[i] = 0;
    }
    done_ = true;
  }
  const std::string* value(const std::string& axis) const {
    auto it = axis_dim_.find(axis);
    if (it == axis_dim_.end()) return nullptr;
    return &g_.axes[it->second.first].second[idx_[it->second.second]];
  }
  Assignment assignment() const {
    Assignment a;
    for (auto& [axis, _] : axis_dim_) a.emplace(axis, *value(axis));
    return a;
  }

 private:
  struct Dim {
    std::vector<size_t> axes;
    size_t size;
  };
  const Group& g_;
  std::vector<Dim> dims_;
  std::map<std::string, std::pair<size_t, size_t>> axis_dim_;  // axis -> (axis index, dim)
  std::vector<size_t> idx_;
  bool done_ = false;
};

// Excludes may only test axes and catalogue attributes, so they are
// evaluated without building the cell's variables.
const std::string* catalog_value(const Catalog& cat, const Product& p, const std::string& key) {
  auto dot = key.find('.');
  if (dot == std::string::npos) return p.value(key);
  std::string axis = key.substr(0, dot), attr = key.substr(dot + 1);
  const std::string* v = p.value(axis);
  if (!v) return nullptr;
  const std::map<std::string, std::string>* attrs = nullptr;
  if (axis == "python") attrs = &cat.pythons.at(*v);
  if (axis == "accelerator") attrs = &cat.accelerators.at(*v).attrs;
  if (axis == "isa") attrs = &cat.isa.at(*v).attrs;
  if (!attrs) return nullptr;
  auto it = attrs->find(attr);
  return it == attrs->end() ? nullptr : &it->second;
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

// Refuses a matrix whose groups' axis products (before excludes) add up to
// more than max_cells, before a single cell is built.
Status check_cell_count(const yamlsrc::Source& src, const Document& doc, std::uint64_t max_cells) {
  const std::uint64_t cap = std::numeric_limits<std::uint64_t>::max() / 2;
  std::uint64_t total = 0, biggest = 0;
  const Group* worst = nullptr;
  for (const auto& g : doc.groups) {
    std::uint64_t n = std::min(cap, Product(g).count(cap) + g.includes.size());
    total = std::min(cap, total + n);
    if (!worst || n > biggest) worst = &g, biggest = n;
  }
  if (total <= max_cells) return {};
  std::string axes;
  for (auto& [name, values] : worst->axes)
    axes += (axes.empty() ? "" : " x ") + name + " " + std::to_string(values.size());
  std::string count = total >= cap ? "more than " + std::to_string(cap) : std::to_string(total);
  return src.error_at(worst->mark, "the matrix expands to " + count + " cells (image group '" + worst->name +
                                       "': " + axes + "); expected at most " + std::to_string(max_cells) +
                                       " (raise --max-cells to allow more)");
}

}  // namespace

Result<Matrix> expand(const yamlsrc::Source& src, const Document& doc, std::uint64_t max_cells) {
  DL_TRY(check_cell_count(src, doc, max_cells));
  Matrix m;
  m.source = src.name();
  // ref -> index of the cell that owns it; descriptions are built only for errors.
  std::unordered_map<std::string, size_t> tag_owner;
  std::map<std::string, YAML::Mark> auto_marks;  // repo:auto_tag -> where its template is
  for (const auto& g : doc.groups) {
    if (!g.hub_description.empty() || !g.hub_readme.empty()) {
      HubFiles files{g.hub_description, g.hub_readme};
      auto [it, fresh] = m.hub.emplace(g.repo, files);
      if (!fresh && (it->second.description != files.description || it->second.readme != files.readme))
        return src.error_at(g.mark, "image group '" + g.name + "': repository " + g.repo +
                                        " already has other hub files; expected one page per repository");
    }
    std::vector<std::pair<Assignment, std::map<std::string, std::string>>> assigns;
    for (Product p(g); !p.done(); p.next()) {
      auto lookup = [&](const std::string& key) { return catalog_value(doc.catalog, p, key); };
      bool excluded = std::any_of(g.excludes.begin(), g.excludes.end(),
                                  [&](const Condition& ex) { return ex.matches_with(lookup); });
      if (excluded) continue;
      Assignment a = p.assignment();
      auto vars = variables_of(doc.catalog, g, a);
      assigns.emplace_back(std::move(a), std::move(vars));
    }
    for (auto& inc : g.includes)
      if (std::none_of(assigns.begin(), assigns.end(), [&](auto& p) { return p.first == inc; }))
        assigns.emplace_back(inc, variables_of(doc.catalog, g, inc));

    for (auto& [a, vars] : assigns) {
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
      c.vars = std::move(vars);
      for (auto& spec : g.tags) {
        if (spec.when && !spec.when->matches(c.vars)) continue;
        std::string tag = spec.tmpl.render(c.vars);
        if (!valid_tag(tag))
          return src.error_at(spec.mark, "tag template '" + spec.tmpl.text() + "' renders '" + tag + "' for " +
                                             describe_cell(c) + "; expected [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
        std::string ref = c.repo + ":" + tag;
        auto [it, fresh] = tag_owner.emplace(ref, m.cells.size());
        if (!fresh) {
          if (it->second == m.cells.size()) continue;  // an alias equal to the primary
          return src.error_at(spec.mark, "tag '" + ref +
                                             "' is produced by two cells: " + describe_cell(m.cells[it->second]) +
                                             " and " + describe_cell(c) + "; expected every tag to name one image");
        }
        c.tags.push_back(tag);
      }
      if (c.tags.empty())
        return src.error_at(g.mark, "image group '" + g.name + "': no tag applies to " + describe_cell(c) +
                                        "; expected at least one unconditional tag");
      if (g.auto_tag && c.accelerator.kind == "cpu") {
        c.auto_tag = g.auto_tag->tmpl.render(c.vars);
        if (!valid_tag(c.auto_tag))
          return src.error_at(g.auto_tag->mark, "auto_tag '" + g.auto_tag->tmpl.text() + "' renders '" + c.auto_tag +
                                                    "' for " + describe_cell(c) +
                                                    "; expected [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
        auto_marks.emplace(c.repo + ":" + c.auto_tag, g.auto_tag->mark);
      }
      m.cells.push_back(std::move(c));
    }
  }
  // An auto tag names an index, never an image: it may not be a cell's tag.
  for (auto& [ref, mark] : auto_marks)
    if (auto it = tag_owner.find(ref); it != tag_owner.end())
      return src.error_at(mark, "auto_tag renders '" + ref + "', which is also a tag of " +
                                    describe_cell(m.cells[it->second]) +
                                    "; expected a tag of its own (e.g. ending in -auto)");
  return m;
}

}  // namespace dl::matrix::model
