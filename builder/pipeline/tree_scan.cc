#include "builder/pipeline/tree_scan.h"

#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <optional>

#include "base/decimal.h"
#include "base/fs.h"
#include "base/sha256.h"
#include "builder/deb/base_scan.h"

namespace dl::pipeline {

namespace {
using SharedTree = std::shared_ptr<const deb::BaseTree>;
using Scan = std::shared_future<Result<SharedTree>>;
// Stacks scanned or being scanned, by digest chain. A second caller of a
// stack in flight waits for the first instead of scanning it again: the
// build prefetches a base's scan on the other core (cell_builder.cc) while
// its layers are written, and the interpreter check then takes it.
struct ScanCache {
  std::mutex mu;
  std::map<std::string, Scan> stacks;
};
ScanCache& scan_cache() {
  static ScanCache c;
  return c;
}
bool ready(const Scan& s) { return s.wait_for(std::chrono::seconds(0)) == std::future_status::ready; }

Result<SharedTree> scan_from(const layout::Layout& layout, const std::vector<image::Descriptor>& layers, size_t from,
                             const SharedTree& start) {
  auto scanner = start ? std::make_unique<deb::BaseScanner>(*start) : std::make_unique<deb::BaseScanner>();
  for (size_t i = from; i < layers.size(); ++i) {
    const auto& l = layers[i];
    DL_ASSIGN_OR_RETURN(auto reader, layout.open_blob(l));
    DL_ASSIGN_OR_RETURN(std::uint64_t tar_size, scanner->add_layer(reader, "layer " + l.digest.str()));
    // The scan undid the layer anyway: its size need not be counted again.
    if (tar_size > 0) remember_tar_size(layout, l.digest, tar_size);
  }
  DL_ASSIGN_OR_RETURN(auto tree, scanner->finish());
  return std::make_shared<const deb::BaseTree>(std::move(tree));
}
}  // namespace

Result<std::shared_ptr<const deb::BaseTree>> scan_layers(const layout::Layout& layout,
                                                         const std::vector<image::Descriptor>& layers) {
  std::vector<std::string> keys(layers.size() + 1);
  for (size_t i = 0; i < layers.size(); ++i) keys[i + 1] = keys[i] + layers[i].digest.str() + ";";
  size_t from = 0;
  SharedTree start;
  std::optional<Scan> theirs;
  std::promise<Result<SharedTree>> mine;
  {
    std::lock_guard<std::mutex> g(scan_cache().mu);
    auto& stacks = scan_cache().stacks;
    if (auto it = stacks.find(keys.back()); it != stacks.end()) {
      theirs = it->second;
    } else {
      // The longest prefix already scanned (the base, for a cell's own layers).
      for (size_t n = layers.empty() ? 0 : layers.size() - 1; n > 0 && !start; --n) {
        auto p = stacks.find(keys[n]);
        if (p != stacks.end() && ready(p->second) && p->second.get().ok()) start = *p->second.get(), from = n;
      }
      stacks[keys.back()] = mine.get_future().share();
    }
  }
  if (theirs) return theirs->get();  // scanned, or being scanned by another thread
  auto r = scan_from(layout, layers, from, start);
  mine.set_value(r);
  // Errors are not remembered: the next caller scans again.
  if (!r.ok()) {
    std::lock_guard<std::mutex> g(scan_cache().mu);
    scan_cache().stacks.erase(keys.back());
  }
  return r;
}

namespace {
fs::path tar_size_memo(const layout::Layout& l, const Digest& d) {
  return l.root() / ".dlimage-cache" / "tar-sizes" / d.hex;
}
}  // namespace

std::optional<std::uint64_t> remembered_tar_size(const layout::Layout& l, const Digest& blob) {
  auto text = read_file(tar_size_memo(l, blob));
  if (!text.ok()) return std::nullopt;
  auto n = parse_decimal(*text);
  if (!n || *n == 0) return std::nullopt;
  return n;
}

void remember_tar_size(const layout::Layout& l, const Digest& blob, std::uint64_t size) {
  if (remembered_tar_size(l, blob) == size) return;
  auto memo = tar_size_memo(l, blob);
  // A cache: failing to write it only costs a later --json a count.
  if (ensure_dir(memo.parent_path()).ok()) (void)write_file_atomic(memo, std::to_string(size));
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
