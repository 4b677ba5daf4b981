// Files already verified by content in this process. Blobs and cached
// wheels are re-hashed before use (a file's name is only a claim), but one
// build reads the same shared layer or wheel for dozens of images: hashing
// it once per process is enough, as long as it is still the same file.
// "The same" is the identity lstat() gives: device, inode, size, and
// modification and status-change times to the nanosecond. A rename over it,
// a rewrite in place or a chmod changes one of them, and the next use
// hashes again.
//
// Across processes, as git's index and ninja's log do: a build saves what
// it verified (its output layout's .dlimage-cache/verified) and the next
// one loads it, so a rebuild that changes nothing hashes nothing. A file
// whose status changed within the last seconds before the save is left out
// (git's "racy" rule: a rewrite within the clock's tick could keep every
// time stamp), and so is one whose identity no longer matches.
#pragma once

#include <string>

#include "base/result.h"

namespace dl {

// True when `path` was remembered for `claim` (e.g. "sha256:..." or a hex
// digest and a size) and its identity has not changed since.
bool verified_before(const std::string& path, const std::string& claim);
// After a successful verification of `path` against `claim`.
void remember_verified(const std::string& path, const std::string& claim);

// Adds the entries saved in `file` (missing or unreadable: nothing; a
// malformed line is skipped: remembering less is only slower).
void load_verified(const std::string& file);
// Writes every entry still true (identity unchanged, not racy) to `file`,
// atomically.
Status save_verified(const std::string& file);

}  // namespace dl
