// Which directories ldconfig scans in an image's tree (glibc
// elf/ldconfig.c: parse_conf, parse_conf_include, add_dir): the lines of
// /etc/ld.so.conf, `include` globs expanded in C order (relative patterns
// against the including file's directory), `hwcap` lines ignored, `DIR=TYPE`
// suffixes kept, then the built-in directories Debian's ldconfig adds (the
// multiarch pair, /lib, /usr/lib). A directory named twice (also through a
// symlink, as /usr/lib/x86_64-linux-gnu is /lib/x86_64-linux-gnu on merged
// /usr) is scanned once, under its first name. Every path resolves inside
// the tree (chroot semantics); file count, include depth, file and line
// sizes are bounded and exceeding them is an error naming file:line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "builder/deb/tree.h"

namespace dl::deb {

// The final tree as ldconfig would see it. Paths are relative to the image
// root, without a leading slash ("" is the root).
class LdTree {
 public:
  virtual ~LdTree() = default;
  // Every symlink resolved, inside the tree.
  virtual Result<std::string> resolve(const std::string& path) const = 0;
  virtual std::optional<Node> find(const std::string& resolved) const = 0;
  // Entry names of a directory, sorted.
  virtual std::vector<std::string> list(const std::string& resolved_dir) const = 0;
  // A regular file's text (at most max_bytes, else an error); nullopt when
  // the tree knows the file exists but not what it holds.
  virtual Result<std::optional<std::string>> read(const std::string& resolved, std::size_t max_bytes) const = 0;
};

struct LdDir {
  std::string path;        // as configured: "/lib/x86_64-linux-gnu"
  std::string real;        // resolved in the tree: "usr/lib/x86_64-linux-gnu"
  std::int32_t flag = -1;  // DIR=libc6 and the like; -1 for any
};

struct LdConfLimits {
  unsigned max_files = 256;
  unsigned max_depth = 16;
  unsigned max_dirs = 1024;
  std::size_t max_file_bytes = 1 << 20;
  std::size_t max_line = 4096;
};

// `multiarch` is the triplet of the tree's architecture ("x86_64-linux-gnu").
Result<std::vector<LdDir>> ld_search_dirs(const LdTree& tree, const std::string& multiarch,
                                          const LdConfLimits& limits = {});

}  // namespace dl::deb
