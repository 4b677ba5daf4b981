// /etc/ld.so.cache for an image's final tree, written the way
// `ldconfig -X -r ROOT` would write it but without running anything: the
// directories of ld_conf.h, in each the files named like libraries
// (looks_like_dso), keyed by DT_SONAME as glibc's search_dir() keys them
// (a development link `libfoo.so -> libfoo.so.1` gets its own entry, a
// link named neither its SONAME nor a .so prefix of it counts as the file),
// in ldconfig's order (ld_cache_file.h).
//
// The facts of a library come from where its bytes are:
// - files the install writes: read while they stream (LdCacheInputs);
// - the base's files in a directory on disk: read there (`probe`);
// - the base's files in image layers, whose bytes are not kept: the base's
//   own /etc/ld.so.cache, each entry kept while its file still exists in the
//   same directory and this install did not write it, dropped otherwise.
// Not reproduced: glibc-hwcaps and legacy hwcap subdirectories (their
// entries in a base cache are dropped; the loader still searches them),
// and a base library that the base's own cache does not list.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "base/result.h"
#include "builder/deb/elf_probe.h"
#include "builder/deb/ld_conf.h"
#include "builder/layer/stream.h"

namespace dl::deb {

// Taps the regular files an install writes (paths already resolved).
class LdCacheInputs {
 public:
  // `content` wrapped so that a library-named file's ELF facts and an
  // ld.so.conf file's text are kept while the bytes pass.
  layer::ReadFn observe(const std::string& path, std::uint64_t size, const layer::ReadFn& content);
  const std::map<std::string, ElfFacts>& facts() const { return *facts_; }
  const std::map<std::string, std::string>& conf_texts() const { return *confs_; }

 private:
  std::shared_ptr<std::map<std::string, ElfFacts>> facts_ = std::make_shared<std::map<std::string, ElfFacts>>();
  std::shared_ptr<std::map<std::string, std::string>> confs_ = std::make_shared<std::map<std::string, std::string>>();
};

struct LdCacheRequest {
  const LdTree* tree = nullptr;
  std::string multiarch = "x86_64-linux-gnu";
  const std::map<std::string, ElfFacts>* fresh = nullptr;  // by resolved path: files this install wrote
  const std::set<std::string>* written = nullptr;          // every path this install wrote
  std::optional<std::string> base_cache;                   // the base's /etc/ld.so.cache bytes
  // Reads a file that is not fresh (a directory on disk); empty for layers.
  std::function<std::optional<ElfFacts>(const std::string& resolved)> probe;
};

struct LdCacheResult {
  std::string bytes;
  std::set<std::string> dirs;  // resolved paths scanned (to tell whether an install touched any)
};

Result<LdCacheResult> build_ld_cache(const LdCacheRequest& req);

// The generator string ldconfig -p prints.
inline constexpr const char* kLdCacheGenerator = "dlimage";

}  // namespace dl::deb
