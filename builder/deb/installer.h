// Installs .deb packages into a tree the way `dpkg --unpack && dpkg
// --configure` would, without running anything: each data.tar streams into a
// TreeSink (a deterministic tar layer, or a directory), entries confined to
// the tree and resolved through its directory symlinks; then the dpkg
// database is merged (status, info/, triggers) and the reproduced effects of
// the maintainer scripts (scripts.h) are written.
//
//   BaseTree base = ...;   // from base_status.h or a directory
//   LayerTreeSink sink(*writer);
//   auto report = install_debs(debs, base, opts, sink);
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/fs.h"
#include "base/result.h"
#include "builder/deb/deb822.h"
#include "builder/deb/tree.h"
#include "builder/layer/layer_writer.h"

namespace dl::deb {

// Where entries go. Paths are already resolved and confined.
class TreeSink {
 public:
  virtual ~TreeSink() = default;
  virtual Status add(const layer::Entry& e, const layer::ReadFn& content) = 0;
  // Deletes `path` that a lower layer holds: a whiteout in a layer (which
  // covers its subtree), an unlink or an rmdir of an empty directory on disk.
  virtual Status remove(const std::string& path) = 0;
  virtual bool removes_subtrees() const = 0;
  // The directory the entries land in, when they land on disk (the base's
  // files can then be read there).
  virtual std::optional<fs::path> disk_root() const { return std::nullopt; }
};

class LayerTreeSink : public TreeSink {
 public:
  explicit LayerTreeSink(layer::LayerWriter& w) : w_(w) {}
  Status add(const layer::Entry& e, const layer::ReadFn& content) override { return w_.add(e, content); }
  Status remove(const std::string& path) override { return w_.add_whiteout(path); }
  bool removes_subtrees() const override { return true; }

 private:
  layer::LayerWriter& w_;
};

// Writes into a directory on disk: files through a temp name + rename, no
// symlink on the way is ever followed (the Tree resolved them already).
// Times follow the layer's rule (the package's mtime clamped to
// `source_date_epoch`, unset ones at it), so a tree from nothing is the same
// bytes on every run; finish() sets those of the directories it created,
// which their entries' writes moved.
class DirTreeSink : public TreeSink {
 public:
  // A `root` that is empty (or missing) now counts as created: its time is set too.
  explicit DirTreeSink(fs::path root, std::int64_t source_date_epoch = 0);
  Status add(const layer::Entry& e, const layer::ReadFn& content) override;
  Status remove(const std::string& path) override;
  bool removes_subtrees() const override { return false; }
  std::optional<fs::path> disk_root() const override { return root_; }
  Status finish();
  // A Tree fallback that looks at the directory (lstat, readlink).
  Tree::Fallback fallback() const;

 private:
  std::int64_t clamp(std::int64_t mtime) const { return (mtime < 0 || mtime > epoch_) ? epoch_ : mtime; }
  Status check_parents(const std::string& rel);
  fs::path root_;
  std::int64_t epoch_;
  std::map<std::string, std::int64_t> created_dirs_;  // relative path -> mtime
};

// What is there before the install: the dpkg status entries, the small
// dpkg files that get merged (var/lib/dpkg/triggers/*, alternatives/*), and
// the tree's paths.
struct BaseTree {
  std::string status_text;  // var/lib/dpkg/status as found (for apt's resolver)
  std::vector<Paragraph> status;
  // path under the root -> content: dpkg's small files, and etc/ld.so.conf*
  // and etc/ld.so.cache from a layer stack (base_scan.h)
  std::map<std::string, std::string> dpkg_files;
  Tree tree;
};

struct DebPackage {
  fs::path file;     // the .deb in the cache
  std::string name;  // shown in errors: URL or file name
};

struct InstallOptions {
  // A tree from nothing: bin, sbin, lib, lib64 -> usr/...
  // first (what debootstrap and mmdebstrap do for merged-/usr releases).
  bool merged_usr = false;
  std::set<std::string> allow_scripts;  // "pkg" or "pkg/script"
  std::int64_t source_date_epoch = 0;   // shadow's "last changed" day
};

// Whether a tree from nothing is laid out merged-/usr before unpacking: the
// packages include usr-is-merged (the release requires the layout) or
// usrmerge (whose postinst would convert the tree, and which is then reviewed
// as doing nothing else). Pass every package name being installed.
bool wants_merged_usr(const std::vector<std::string>& package_names);

struct InstalledPackage {
  std::string name, version, arch;
};

struct InstallReport {
  std::vector<InstalledPackage> packages;  // in install order (by name)
  std::vector<std::string> acknowledged;   // "pkg/script" skipped via allow_scripts
  std::uint64_t entries = 0;
};

// What install_debs checks before it writes anything: every .deb's control
// is readable and every maintainer script is reproduced or acknowledged.
// Returns the acknowledged "pkg/script"s. For a caller that wants the
// verdict before it opens its output.
Result<std::vector<std::string>> preflight_debs(const std::vector<DebPackage>& debs, const InstallOptions& opts);

Result<InstallReport> install_debs(const std::vector<DebPackage>& debs, BaseTree base, const InstallOptions& opts,
                                   TreeSink& sink);

}  // namespace dl::deb
