#include "builder/pipeline/tree_scan.h"

#include <map>
#include <mutex>

#include "base/fs.h"
#include "base/sha256.h"
#include "builder/deb/base_scan.h"

namespace dl::pipeline {

namespace {
struct ScanCache {
  std::mutex mu;
  std::map<std::string, std::shared_ptr<const deb::BaseTree>> stacks;
};
ScanCache& scan_cache() {
  static ScanCache c;
  return c;
}
}  // namespace

Result<std::shared_ptr<const deb::BaseTree>> scan_layers(const layout::Layout& layout,
                                                         const std::vector<image::Descriptor>& layers) {
  // The longest prefix already scanned (the base, for a cell's own layers).
  std::vector<std::string> keys(layers.size() + 1);
  for (size_t i = 0; i < layers.size(); ++i) keys[i + 1] = keys[i] + layers[i].digest.str() + ";";
  size_t from = 0;
  std::shared_ptr<const deb::BaseTree> start;
  {
    std::lock_guard<std::mutex> g(scan_cache().mu);
    for (size_t n = layers.size(); n > 0 && !start; --n) {
      auto it = scan_cache().stacks.find(keys[n]);
      if (it != scan_cache().stacks.end()) start = it->second, from = n;
    }
  }
  if (start && from == layers.size()) return start;
  auto scanner = start ? std::make_unique<deb::BaseScanner>(*start) : std::make_unique<deb::BaseScanner>();
  for (size_t i = from; i < layers.size(); ++i) {
    const auto& l = layers[i];
    DL_ASSIGN_OR_RETURN(auto reader, layout.open_blob(l));
    DL_TRY(scanner->add_layer(reader, "layer " + l.digest.str()));
  }
  DL_ASSIGN_OR_RETURN(auto tree, scanner->finish());
  auto shared = std::make_shared<const deb::BaseTree>(std::move(tree));
  std::lock_guard<std::mutex> g(scan_cache().mu);
  scan_cache().stacks[keys.back()] = shared;
  return shared;
}

Result<std::string> dpkg_status_of(const layout::Layout& layout, const std::vector<image::Descriptor>& layers) {
  std::string chain = "dpkg-status v1\n";
  for (const auto& l : layers) chain += l.digest.str() + "\n";
  fs::path cached = layout.root() / ".dlimage-cache" / "dpkg-status" / Sha256::hex(chain);
  if (auto text = read_file(cached); text.ok()) return *text;
  DL_ASSIGN_OR_RETURN(auto tree, scan_layers(layout, layers));
  // A cache: failing to write it only costs the next run a scan.
  if (ensure_dir(cached.parent_path()).ok()) (void)write_file_atomic(cached, tree->status_text);
  return tree->status_text;
}

}  // namespace dl::pipeline
