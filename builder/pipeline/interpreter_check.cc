#include "builder/pipeline/interpreter_check.h"

#include <map>
#include <memory>
#include <mutex>

#include "builder/deb/base_scan.h"

namespace dl::pipeline {

namespace {

// Stacks already scanned, by the digests of their layers: every cell on one
// base shares one scan of it.
struct ScanCache {
  std::mutex mu;
  std::map<std::string, std::shared_ptr<const deb::BaseTree>> stacks;
};
ScanCache& scan_cache() {
  static ScanCache c;
  return c;
}

Result<std::shared_ptr<const deb::BaseTree>> scan(const layout::Layout& layout,
                                                  const std::vector<TreeLayer>& layers) {
  std::string key;
  for (const auto& l : layers)
    if (l.scan) key += l.descriptor.digest.str() + ";";
  {
    std::lock_guard<std::mutex> g(scan_cache().mu);
    auto it = scan_cache().stacks.find(key);
    if (it != scan_cache().stacks.end()) return it->second;
  }
  deb::BaseScanner scanner;
  for (const auto& l : layers) {
    if (!l.scan) continue;
    DL_ASSIGN_OR_RETURN(auto reader, layout.open_blob(l.descriptor));
    DL_TRY(scanner.add_layer(reader, "layer " + l.descriptor.digest.str()));
  }
  DL_ASSIGN_OR_RETURN(auto tree, scanner.finish());
  auto shared = std::make_shared<const deb::BaseTree>(std::move(tree));
  std::lock_guard<std::mutex> g(scan_cache().mu);
  scan_cache().stacks[key] = shared;
  return shared;
}

}  // namespace

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
  DL_ASSIGN_OR_RETURN(auto tree, scan(layout, layers));
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
