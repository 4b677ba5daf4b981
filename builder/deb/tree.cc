#include "builder/deb/tree.h"

#include "base/strings.h"

namespace dl::deb {

std::optional<Node> Tree::find(const std::string& path) const {
  auto it = nodes_.find(path);
  if (it != nodes_.end()) return it->second;
  if (fallback_) return fallback_(path);
  return std::nullopt;
}

void Tree::remove_tree(const std::string& path) {
  nodes_.erase(path);
  std::string prefix = path.empty() ? "" : path + "/";
  for (auto it = nodes_.lower_bound(prefix); it != nodes_.end() && it->first.starts_with(prefix);)
    it = nodes_.erase(it);
}

Result<std::string> Tree::target_path(const std::string& link_path, const std::string& target) {
  std::vector<std::string> parts;
  if (!target.starts_with("/")) {
    parts = split(link_path, '/');
    parts.pop_back();  // the link itself
  }
  for (const auto& p : split(target, '/')) {
    if (p.empty() || p == ".") continue;
    if (p == "..") {
      if (parts.empty()) {
        if (target.starts_with("/")) continue;  // "/.." is "/" in a chroot
        return invalid("symlink '" + link_path + "' -> '" + target + "' points outside the tree");
      }
      parts.pop_back();
      continue;
    }
    parts.push_back(p);
  }
  return join(parts, "/");
}

Result<std::string> Tree::walk(const std::string& path, bool last, const std::string& package, int depth) const {
  if (depth > 40) return invalid("'" + path + "': too many levels of symbolic links");
  std::vector<std::string> parts = split(path, '/');
  std::string done;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].empty() || parts[i] == ".") continue;
    bool is_last = i + 1 == parts.size();
    if (parts[i] == "..") {  // `done` is resolved: its parent, and never above the root
      done = done.find('/') == std::string::npos ? "" : done.substr(0, done.rfind('/'));
      continue;
    }
    std::string next = done.empty() ? parts[i] : done + "/" + parts[i];
    if (is_last && !last) return next;
    auto n = find(next);
    if (n && n->type == layer::EntryType::symlink) {
      if (!package.empty() && n->owner == package)
        return invalid("'" + path + "' would be written through the package's own symlink '" + next + "' -> '" +
                       n->target + "'");
      DL_ASSIGN_OR_RETURN(std::string resolved, target_path(next, n->target));
      std::string rest;
      for (size_t j = i + 1; j < parts.size(); ++j) rest += "/" + parts[j];
      std::string joined = resolved.empty() ? rest.substr(rest.empty() ? 0 : 1) : resolved + rest;
      return walk(joined, last, package, depth + 1);
    }
    done = next;
  }
  return done;
}

Result<std::string> Tree::resolve_parent(const std::string& path, const std::string& package) const {
  return walk(path, false, package, 0);
}

Result<std::string> Tree::resolve(const std::string& path) const { return walk(path, true, "", 0); }

}  // namespace dl::deb
