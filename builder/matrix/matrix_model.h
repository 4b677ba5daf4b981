// Internal: matrix.yaml after parsing and validation, before expansion.
#pragma once

#include <yaml-cpp/yaml.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "builder/matrix/matrix.h"
#include "builder/matrix/tag_template.h"
#include "builder/matrix/yaml_source.h"

namespace dl::matrix::model {

// A `when:` clause: every key must match one of its values.
struct Condition {
  std::vector<std::pair<std::string, std::vector<std::string>>> terms;
  bool matches(const std::map<std::string, std::string>& vars) const;
  // `lookup(key)` returns the value or nullptr; avoids building a map.
  template <class Lookup>
  bool matches_with(const Lookup& lookup) const {
    for (const auto& [key, values] : terms) {
      const std::string* v = lookup(key);
      if (!v) return false;
      bool any = false;
      for (auto& want : values) any = any || want == *v;
      if (!any) return false;
    }
    return true;
  }
};

struct SetRule {
  Condition when;
  std::vector<std::pair<std::string, std::string>> vars;
};

struct TagSpec {
  TagTemplate tmpl;
  std::optional<Condition> when;
  YAML::Mark mark;  // where the template is written, for duplicate-tag errors
};

struct Group {
  std::string name, repo, framework, recipe;
  std::vector<std::pair<std::string, std::vector<std::string>>> axes;  // document order
  std::vector<std::vector<std::string>> zips;
  std::vector<Condition> excludes;
  std::vector<std::map<std::string, std::string>> includes;
  std::vector<std::pair<std::string, std::string>> vars;
  std::vector<SetRule> sets;
  std::vector<TagSpec> tags;
  std::string hub_description, hub_readme;  // hub: {description: FILE, readme: FILE}
  std::optional<TagSpec> auto_tag;          // CPU cells: the ISA index's tag
  YAML::Mark mark;
};

struct Catalog {
  std::map<std::string, BaseImage> bases;
  std::map<std::string, std::map<std::string, std::string>> pythons;
  std::map<std::string, Accelerator> accelerators;
  std::map<std::string, IsaVariant> isa;
};

struct Document {
  Catalog catalog;
  std::vector<Group> groups;
};

Result<Document> parse_document(const yamlsrc::Source& src, const YAML::Node& root);
// Fails before building any cell when the axes multiply out to more than
// max_cells.
Result<Matrix> expand(const yamlsrc::Source& src, const Document& doc, std::uint64_t max_cells);

}  // namespace dl::matrix::model
