// What a lock file records for OS packages (issue 12, item 5): the sha256 of
// every InRelease the resolution used, and every .deb's identity and digest.
// Rebuilding from this plus the cache needs no network. The lock file format
// itself belongs to the lock owner; this is the data.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "builder/apt/fetch.h"
#include "builder/apt/resolve.h"

namespace dl::apt {

struct LockedRelease {
  std::string url;     // InRelease (or Release) URL
  std::string sha256;  // of its bytes
  bool operator==(const LockedRelease&) const = default;
};

struct LockedDeb {
  std::string name, version, arch, filename;
  uint64_t size = 0;
  std::string sha256;
  std::string url;
  bool operator==(const LockedDeb&) const = default;
};

struct AptLock {
  std::vector<LockedRelease> releases;  // sorted by url, unique
  std::vector<LockedDeb> debs;          // sorted by name, arch
};

AptLock make_lock(const std::vector<RepoIndex>& repos, const std::vector<ResolvedPackage>& pkgs);

}  // namespace dl::apt
