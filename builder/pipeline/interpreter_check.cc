#include "builder/pipeline/interpreter_check.h"

#include "base/fs.h"
#include "base/sha256.h"
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

namespace {

// A check that passed is remembered in the layout by what decides it: the
// scanned layers' digests and the declared interpreters. Layers are content
// addressed, so an equal key is an equal tree; a rerun of an unchanged
// matrix then reads no layer at all.
std::string passed_key(const matrix::Cell& cell, const std::vector<TreeLayer>& layers) {
  std::string key = "interpreters v1\n";
  for (const auto& l : layers)
    if (l.scan) key += l.descriptor.digest.str() + "\n";
  for (const auto& p : cell.base.pythons)
    for (const auto& py : cell.pythons)
      if (py == p.version) key += "python " + p.version + " " + p.interpreter + "\n";
  return Sha256::hex(key);
}

fs::path passed_file(const layout::Layout& layout, const std::string& key) {
  return layout.root() / ".dlimage-cache" / "interpreters" / key;
}

Status check_tree(const layout::Layout& layout, const matrix::Cell& cell, const std::vector<TreeLayer>& layers);

}  // namespace

Status verify_interpreters(const layout::Layout& layout, const matrix::Cell& cell,
                           const std::vector<TreeLayer>& layers) {
  std::string key = passed_key(cell, layers);
  std::error_code ec;
  if (fs::is_regular_file(passed_file(layout, key), ec)) return {};
  DL_TRY(check_tree(layout, cell, layers));
  // A cache: failing to write it only costs the next run a scan.
  (void)ensure_dir(passed_file(layout, key).parent_path());
  (void)write_file_atomic(passed_file(layout, key), "ok\n");
  return {};
}

namespace {

Status check_tree(const layout::Layout& layout, const matrix::Cell& cell, const std::vector<TreeLayer>& layers) {
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

}  // namespace

}  // namespace dl::pipeline
