#include "builder/pipeline/interpreter_check.h"

#include "builder/deb/base_scan.h"
#include "builder/pipeline/tree_scan.h"

namespace dl::pipeline {

std::string interpreter_version(const std::string& file_name) {
  if (!file_name.starts_with("python")) return "";
  std::string v = file_name.substr(6);
  while (!v.empty() && !std::isdigit(static_cast<unsigned char>(v.back()))) v.pop_back();  // 3.6m, 3.6d
  auto dot = v.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == v.size()) return "";
  for (char c : v)
    if (!std::isdigit(static_cast<unsigned char>(c)) && c != '.') return "";
  return v;
}

Status verify_interpreters(const layout::Layout& layout, const matrix::Cell& cell,
                           const std::vector<TreeLayer>& layers) {
  std::vector<image::Descriptor> scanned;
  for (const auto& l : layers)
    if (l.scan && l.base) scanned.push_back(l.descriptor);
  DL_TRY(scan_layers(layout, scanned));  // cached: the cell's own layers start from it
  for (const auto& l : layers)
    if (l.scan && !l.base) scanned.push_back(l.descriptor);
  DL_ASSIGN_OR_RETURN(auto tree, scan_layers(layout, scanned));
  for (const auto& p : cell.base.pythons) {
    bool declared = false;
    for (const auto& py : cell.pythons) declared = declared || py == p.version;
    if (!declared) continue;
    std::string what = cell.ref() + ": Python " + p.version + " interpreter " + p.interpreter;
    std::string base = " (base " + cell.base.ref + ")";
    auto real = deb::resolve_file(tree->tree, p.interpreter);
    if (!real.ok()) {
      std::string why = real.error().message();
      // "/usr/bin/python3.6 does not exist" -> "does not exist"
      if (why.starts_with(p.interpreter)) why = why.substr(p.interpreter.size() + 1);
      return invalid(what + ": " + why + " in the image" + base);
    }
    std::string name = real->substr(real->rfind('/') + 1);
    std::string v = interpreter_version(name);
    if (v != p.version)
      return invalid(what + " is /" + *real + ", which is " + (v.empty() ? "not a versioned python" : "Python " + v) +
                     base);
  }
  return {};
}

}  // namespace dl::pipeline
