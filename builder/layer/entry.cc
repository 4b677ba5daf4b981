#include "builder/layer/entry.h"

#include <algorithm>

#include "base/strings.h"

namespace dl::layer {

Result<std::string> clean_entry_path(std::string_view path) {
  std::vector<std::string> parts;
  for (const auto& part : split(path, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") return invalid("layer entry '" + std::string(path) + "': '..' is not allowed in a layer path");
    parts.push_back(part);
  }
  if (parts.empty()) return invalid("layer entry '" + std::string(path) + "': empty path (expected e.g. usr/bin/x)");
  return join(parts, "/");
}

bool entry_path_less(std::string_view a, std::string_view b) {
  // Compare component-wise: '/' sorts before every other byte.
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    unsigned char x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (x == y) continue;
    if (x == '/') return true;
    if (y == '/') return false;
    return x < y;
  }
  return a.size() < b.size();
}

void sort_entries(std::vector<Entry>& entries) {
  std::stable_sort(entries.begin(), entries.end(),
                   [](const Entry& x, const Entry& y) { return entry_path_less(x.path, y.path); });
}

std::string whiteout_path(std::string_view deleted_path) {
  std::string p(deleted_path);
  while (!p.empty() && p.back() == '/') p.pop_back();
  size_t slash = p.rfind('/');
  if (slash == std::string::npos) return ".wh." + p;
  return p.substr(0, slash + 1) + ".wh." + p.substr(slash + 1);
}

std::string opaque_whiteout_path(std::string_view dir) {
  std::string p(dir);
  while (!p.empty() && p.back() == '/') p.pop_back();
  return p.empty() ? ".wh..wh..opq" : p + "/.wh..wh..opq";
}

}  // namespace dl::layer
