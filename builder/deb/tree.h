// The installer's view of the tree it writes into: which paths exist and
// which are symlinks. dpkg unpacks through the directory symlinks already on
// disk (that is how `lib/x` lands in `usr/lib/x` on a merged-/usr system);
// dlimage writes a tar layer, not a disk, so it resolves those paths itself,
// with chroot semantics: absolute targets start at the image root and ".."
// stops there, so nothing ever resolves outside the tree.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "base/result.h"
#include "builder/layer/entry.h"

namespace dl::deb {

struct Node {
  layer::EntryType type = layer::EntryType::file;
  std::string target;  // symlinks
  std::string owner;   // package that shipped it; "" for the base / skeleton
};

class Tree {
 public:
  // Consulted for paths this Tree has not seen (a directory on disk).
  using Fallback = std::function<std::optional<Node>(const std::string& path)>;
  void set_fallback(Fallback f) { fallback_ = std::move(f); }

  void put(const std::string& path, Node n) { nodes_[path] = std::move(n); }
  void remove(const std::string& path) { nodes_.erase(path); }
  // `path` and everything under it (whiteouts).
  void remove_tree(const std::string& path);
  std::optional<Node> find(const std::string& path) const;
  bool exists(const std::string& path) const { return find(path).has_value(); }

  // Where an entry at `path` really lands: every component but the last is
  // resolved through symlinks. A symlink shipped by `package` itself is never
  // followed (the tar-slip pattern `x -> /etc` then `x/passwd`): that is an
  // error naming the entry and the link.
  Result<std::string> resolve_parent(const std::string& path, const std::string& package) const;
  // Resolves every component, including the last (for symlink targets).
  Result<std::string> resolve(const std::string& path) const;

  // The tree-relative path a symlink at `link_path` with `target` points to,
  // or an error when a relative target climbs above the root.
  static Result<std::string> target_path(const std::string& link_path, const std::string& target);

  const std::map<std::string, Node>& nodes() const { return nodes_; }

 private:
  Result<std::string> walk(const std::string& path, bool last, const std::string& package, int depth) const;
  std::map<std::string, Node> nodes_;
  Fallback fallback_;
};

}  // namespace dl::deb
