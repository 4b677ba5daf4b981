// Internal to builder/deb: the state one install_debs() call shares between
// the unpacking (installer.cc) and the reproduced script effects (effects.cc).
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "builder/deb/deb_file.h"
#include "builder/deb/installer.h"
#include "builder/deb/ld_cache.h"
#include "builder/deb/scripts.h"

namespace dl::deb {

struct InstallState {
  const InstallOptions& opts;
  TreeSink& sink;
  BaseTree& base;
  // Small files the effects read (base-files' defaults, base-passwd's
  // masters, debianutils' shells, CA certificates), by package path.
  std::map<std::string, std::string> captured;
  std::map<Effect, std::vector<const DebControl*>> effects;               // effect -> packages asking for it
  std::vector<std::pair<std::string, std::string>> alternatives_scripts;  // (package, script text)
  std::uint64_t entries = 0;
  std::set<std::string> emitted;  // every path this install wrote
  std::set<std::string> removed;  // base paths this install deleted (upgrades)
  LdCacheInputs ld;               // ELF facts and ld.so.conf text of what it wrote

  Status emit(layer::Entry e, const layer::ReadFn& content = {});
  Status emit_file(const std::string& path, const std::string& data, std::uint32_t mode = 0644, std::uint32_t uid = 0,
                   std::uint32_t gid = 0);
  Status emit_symlink(const std::string& path, const std::string& target);
  Status emit_dir(const std::string& path, std::uint32_t mode = 0755, std::uint32_t gid = 0);
};

// Files under these package paths are kept in `captured` while they stream.
bool is_captured(const std::string& package_path);

// Effects that must exist before unpacking (links packages unpack through).
Status apply_early_effects(InstallState& st, const std::vector<const DebControl*>& controls);
// Writes every effect collected in `st` (after all packages are unpacked).
Status apply_effects(InstallState& st);
// /etc/ld.so.cache for the final tree (ld_effect.cc), last of all.
Status write_ld_cache(InstallState& st, const std::vector<const DebControl*>& installed);

}  // namespace dl::deb
