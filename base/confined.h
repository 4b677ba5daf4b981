// Reading files that hostile input names: bounded in size, and confined to a
// directory. A recipe's `files: src`, a base layout's blobs and every YAML
// or data file go through here, so "../../etc/shadow", an absolute path or a
// symlink leading out of the directory is refused before a byte is read.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace dl {

// Reads at most max_bytes of `path`; a larger file is an error naming it,
// `what` ("the matrix") and the bound. Never reads more than max_bytes + 1.
Result<std::string> read_bounded(const std::filesystem::path& path, std::size_t max_bytes, std::string_view what);

// `rel` resolved below `root`: refused when it is empty, absolute, has a
// ".." component, or when, with every symlink resolved, it lies outside
// `root` (or does not exist). Returns the resolved (canonical) path.
Result<std::filesystem::path> resolve_beneath(const std::filesystem::path& root, std::string_view rel,
                                              std::string_view what);

// Opens root/parts[0]/.../parts[n-1] read-only, following no symlink below
// `root` (each component is opened relative to its parent with O_NOFOLLOW),
// and refuses anything but a regular file at the end. `root` is the
// directory the user named and may itself be a link. Caller closes the fd.
Result<int> open_regular_beneath(const std::filesystem::path& root, const std::vector<std::string>& parts);

}  // namespace dl
