#include "builder/matrix/format.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "base/plural.h"
#include "base/strings.h"

namespace dl::matrix {

namespace {

nlohmann::ordered_json cell_json(const Cell& c) {
  nlohmann::ordered_json j;
  j["id"] = c.id;
  j["repo"] = c.repo;
  j["tag"] = c.tags.front();
  j["tags"] = c.refs();
  j["framework"] = c.framework;
  j["version"] = c.version;
  j["python"] = c.python;
  j["pythons"] = c.pythons;
  j["accelerator"] = c.accelerator.key;
  j["accelerator_kind"] = c.accelerator.kind;
  if (!c.accelerator.cuda.empty()) j["cuda"] = c.accelerator.cuda;
  if (!c.accelerator.cudnn.empty()) j["cudnn"] = c.accelerator.cudnn;
  if (!c.accelerator.rocm.empty()) j["rocm"] = c.accelerator.rocm;
  j["isa"] = c.isa.key;
  j["isa_features"] = c.isa.features;
  j["base"] = c.base.ref;
  j["recipe"] = c.recipe;
  j["group"] = c.group;
  return j;
}

}  // namespace

std::string format_table(const std::vector<Cell>& cells) {
  std::vector<std::vector<std::string>> rows = {
      {"REPO", "TAG", "FRAMEWORK", "VERSION", "PYTHON", "ACCELERATOR", "ISA", "ID"}};
  for (auto& c : cells)
    rows.push_back({c.repo, join(c.tags, ","), c.framework, c.version, c.python, c.accelerator.key, c.isa.key, c.id});
  std::vector<size_t> width(rows[0].size(), 0);
  for (auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  std::string out;
  for (auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 2, ' ');
    }
    out += line + "\n";
  }
  out += count_of(cells.size(), "image") + "\n";
  return out;
}

std::string format_tags(const std::vector<Cell>& cells) {
  std::string out;
  for (auto& c : cells)
    for (auto& r : c.refs()) out += r + "\n";
  return out;
}

std::string format_bases(const std::vector<Cell>& cells) {
  std::vector<std::string> refs;
  for (auto& c : cells)
    if (std::find(refs.begin(), refs.end(), c.base.ref) == refs.end()) refs.push_back(c.base.ref);
  std::sort(refs.begin(), refs.end());
  std::string out;
  for (auto& r : refs) out += r + "\n";
  return out;
}

std::string format_json(const std::vector<Cell>& cells) {
  std::string out = "[";
  for (size_t i = 0; i < cells.size(); ++i) out += (i ? ",\n " : "\n ") + cell_json(cells[i]).dump();
  return out + "\n]\n";
}

std::string format_github(const std::vector<Cell>& cells) {
  nlohmann::ordered_json inc = nlohmann::ordered_json::array();
  for (auto& c : cells) {
    nlohmann::ordered_json j;
    j["id"] = c.id;
    j["repo"] = c.repo;
    j["tag"] = c.tags.front();
    j["framework"] = c.framework;
    j["version"] = c.version;
    j["python"] = c.python;
    j["accelerator"] = c.accelerator.key;
    j["isa"] = c.isa.key;
    inc.push_back(j);
  }
  nlohmann::ordered_json root;
  root["include"] = inc;
  return root.dump() + "\n";
}

std::string format_github_shards(unsigned shards) {
  nlohmann::ordered_json inc = nlohmann::ordered_json::array();
  for (unsigned i = 1; i <= shards; ++i) inc.push_back({{"shard", std::to_string(i) + "/" + std::to_string(shards)}});
  nlohmann::ordered_json root;
  root["include"] = inc;
  return root.dump() + "\n";
}

}  // namespace dl::matrix
