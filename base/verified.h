// Files already verified by content in this process. Blobs and cached
// wheels are re-hashed before use (a file's name is only a claim), but one
// build reads the same shared layer or wheel for dozens of images: hashing
// it once per process is enough, as long as it is still the same file.
// "The same" is the identity lstat() gives: device, inode, size, and
// modification and status-change times to the nanosecond. A rename over it,
// a rewrite in place or a chmod changes one of them, and the next use
// hashes again.
#pragma once

#include <string>

namespace dl {

// True when `path` was remembered for `claim` (e.g. "sha256:..." or a hex
// digest and a size) and its identity has not changed since.
bool verified_before(const std::string& path, const std::string& claim);
// After a successful verification of `path` against `claim`.
void remember_verified(const std::string& path, const std::string& claim);

}  // namespace dl
