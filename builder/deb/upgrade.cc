#include "builder/deb/upgrade.h"

#include <algorithm>

#include "base/strings.h"
#include "builder/deb/dpkg_db.h"

namespace dl::deb {

namespace {

// The control members dpkg keeps as info/<pkg>.<member> (dpkg's own list
// plus the ones dpkg-deb passes through), and the two it writes itself.
const char* const kInfoFiles[] = {"list",   "md5sums", "conffiles", "preinst",   "postinst",
                                  "prerm",  "postrm",  "config",    "templates", "triggers",
                                  "shlibs", "symbols", "shlibs.d",  "clilibs",   "isinstallable"};

std::vector<std::string> lines_of(const std::string& list) {
  std::vector<std::string> out;
  for (const auto& l : split(list, '\n')) {
    std::string p = l.starts_with("/") ? l.substr(1) : l;
    if (!p.empty() && p != ".") out.push_back(p);
  }
  return out;
}

// A listed path where it really is in the tree (through the directory
// symlinks, as dpkg finds it on disk); the path itself if that fails.
std::string where(const Tree& tree, const std::string& p) {
  auto r = tree.resolve_parent(p, "");
  return r.ok() ? *r : p;
}

bool is_dir_link(const Tree& tree, const std::string& p) {
  auto r = tree.resolve(p);
  if (!r.ok()) return false;
  auto n = tree.find(*r);
  return n && n->type == layer::EntryType::dir;
}

bool has_children(const Tree& tree, const std::string& dir) {
  auto it = tree.nodes().lower_bound(dir + "/");
  return it != tree.nodes().end() && it->first.starts_with(dir + "/");
}

}  // namespace

const Paragraph* replaced_entry(const std::vector<Paragraph>& base_status, const Paragraph& control) {
  const Paragraph* same_name = nullptr;
  for (const auto& p : base_status) {
    if (p.get("Package") != control.get("Package")) continue;
    if (p.get("Architecture") == control.get("Architecture")) return &p;
    if (p.get("Multi-Arch") != "same" && control.get("Multi-Arch") != "same") same_name = &p;
  }
  return same_name;
}

std::map<std::string, std::string> obsolete_conffiles(const Paragraph& old_entry,
                                                      const std::vector<std::string>& new_conffiles) {
  std::map<std::string, std::string> out;
  for (const auto& raw : split(old_entry.get("Conffiles"), '\n')) {
    auto words = split(trim(raw), ' ');
    std::erase_if(words, [](const std::string& w) { return w.empty(); });
    if (words.size() < 2 || (words.size() > 2 && words[2] == "remove-on-upgrade")) continue;
    if (std::find(new_conffiles.begin(), new_conffiles.end(), words[0]) == new_conffiles.end())
      out[words[0]] = words[1];
  }
  return out;
}

Status remove_stale_files(InstallState& st, const std::vector<NewPackage>& pkgs) {
  Tree& tree = st.base.tree;
  const std::string info = std::string(kDpkgDir) + "/info/";
  std::set<std::string> stale, replaced_lists;
  for (const auto& np : pkgs) {
    const Paragraph* old = replaced_entry(st.base.status, *np.control);
    if (!old) continue;
    const std::string old_info = info + info_name(*old);
    replaced_lists.insert(old_info + ".list");
    // dpkg keeps conffiles across upgrades (obsolete ones included).
    std::set<std::string> conffiles;
    for (const auto& raw : split(old->get("Conffiles"), '\n'))
      if (auto w = split(trim(raw), ' '); !w.empty() && !w[0].empty()) conffiles.insert(where(tree, w[0].substr(1)));
    std::set<std::string> now;
    for (const auto& p : lines_of(*np.list)) now.insert(where(tree, p));
    if (auto it = st.base.dpkg_files.find(old_info + ".list"); it != st.base.dpkg_files.end())
      for (const auto& p : lines_of(it->second)) {
        std::string w = where(tree, p);
        if (!now.count(w) && !conffiles.count(w) && !st.emitted.count(w)) stale.insert(w);
      }
    for (const char* suffix : kInfoFiles) {
      std::string f = old_info + "." + suffix;
      if (tree.exists(f) && !st.emitted.count(f)) stale.insert(f);
    }
  }
  if (stale.empty()) return {};
  // Still listed by another package (the base's others, or the new ones):
  // not stale after all.
  for (const auto& [path, text] : st.base.dpkg_files) {
    if (!path.starts_with(info) || !path.ends_with(".list") || replaced_lists.count(path)) continue;
    for (const auto& p : lines_of(text)) stale.erase(where(tree, p));
  }
  for (const auto& np : pkgs)
    for (const auto& p : lines_of(*np.list)) stale.erase(where(tree, p));
  // Files first; then directories, deepest first, when nothing is left in them.
  std::vector<std::string> order;
  for (const auto& p : stale) {
    auto n = tree.find(p);
    if (!n || n->type == layer::EntryType::dir) continue;
    // A directory the package shipped that is a symlink in the tree (lib ->
    // usr/lib on merged-/usr) is a directory to dpkg: never removed.
    if (n->type == layer::EntryType::symlink && is_dir_link(tree, p)) continue;
    tree.remove(p);
    order.push_back(p);
  }
  for (auto it = stale.rbegin(); it != stale.rend(); ++it) {
    auto n = tree.find(*it);
    if (!n || n->type != layer::EntryType::dir || has_children(tree, *it)) continue;
    tree.remove(*it);
    order.push_back(*it);
  }
  // In a layer one whiteout covers a removed directory's subtree (and a
  // whiteout inside it would bring the directory back into the layer).
  std::set<std::string> removed(order.begin(), order.end());
  for (const auto& p : order) {
    bool covered = false;
    for (auto slash = p.rfind('/'); st.sink.removes_subtrees() && slash != std::string::npos && slash > 0 && !covered;
         slash = p.rfind('/', slash - 1))
      covered = removed.count(p.substr(0, slash)) > 0;
    if (!covered) DL_TRY(st.sink.remove(p));
    st.removed.insert(p);
  }
  return {};
}

}  // namespace dl::deb
