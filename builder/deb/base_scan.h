// Reads what an image already holds from its layers, bottom first, the way
// a container runtime stacks them (OCI image-spec "Applying Changesets":
// `.wh.<name>` deletes a path, `.wh..wh..opq` empties a directory): every
// path with its type (and symlink target), plus the contents of the dpkg
// files an install merges with (status, triggers, alternatives, and the
// ld.so.conf files and ld.so.cache /etc/ld.so.cache is rebuilt from). The result
// is what install_debs() starts from and what apt's resolver treats as
// installed.
#pragma once

#include <memory>
#include <string>

#include "base/result.h"
#include "builder/deb/installer.h"
#include "builder/layer/stream.h"

namespace dl::deb {

class BaseScanner {
 public:
  BaseScanner();
  // Continues from a stack already scanned (more layers on top of it).
  explicit BaseScanner(BaseTree start);
  ~BaseScanner();
  BaseScanner(const BaseScanner&) = delete;
  BaseScanner& operator=(const BaseScanner&) = delete;
  // One layer blob (tar, tar+gzip or tar+zstd), `name` for errors. The
  // blob is read to its end (so its digest and gzip trailer are checked
  // even after the tar's end marker). Returns the bytes of the tar for a
  // gzip or plain blob, 0 for zstd (undone inside libarchive, not counted).
  Result<std::uint64_t> add_layer(const layer::ReadFn& blob, const std::string& name);
  // Parses the status file; the tree holds every path the stack leaves.
  Result<BaseTree> finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A tree's path to a regular file, following symlinks inside the tree only;
// an error saying what is missing or where the chain breaks.
Result<std::string> resolve_file(const Tree& tree, const std::string& path);

}  // namespace dl::deb
