// What a lock file records for OS packages: the sha256 of every InRelease
// the resolution used, and every .deb's identity and digest. Rebuilding from
// this plus the cache needs no network (nothing is resolved, every .deb is
// found in the cache by sha256).
//
// In the lock file (builder/wheel/lock.h keeps it as its "apt" object) one
// entry per image, keyed by its reference, holds the inputs the resolution
// answered (the request, the sources, the base's layers) and the result:
//
//   "qingcloud/tensorflow:1.12-py36-cpu": {
//     "arch": "amd64", "base": "<sha256 of the base's layer digests>",
//     "essential": false, "recommends": false,
//     "request": ["libgomp1", "python3.6=3.6.15-1"],
//     "sources": ["http://archive.ubuntu.com/ubuntu xenial main universe signed-by=/usr/share/keyrings/..."],
//     "releases": [{"sha256": "...", "url": ".../dists/xenial/InRelease"}],
//     "debs": [{"arch": "amd64", "filename": "pool/...", "name": "libgomp1", "sha256": "...", "size": 1234,
//               "url": "http://.../pool/....deb", "version": "5.4.0-6ubuntu1~16.04.12"}]
//   }
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/result.h"

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
  bool operator==(const AptLock&) const = default;
};

AptLock make_lock(const std::vector<RepoIndex>& repos, const std::vector<ResolvedPackage>& pkgs);

// What a resolution answered: equal inputs, same result (until --upgrade).
struct LockInputs {
  std::string arch, base;  // base: digest chain of the layers below ("" for scratch)
  bool essential = false, recommends = false;
  std::vector<std::string> request;  // "name[:arch][=version]", sorted
  std::vector<std::string> sources;  // one line per source, credentials dropped
  bool operator==(const LockInputs&) const = default;
};

struct LockedImage {
  LockInputs inputs;
  AptLock lock;
  bool operator==(const LockedImage&) const = default;
};

using AptLockFile = std::map<std::string, LockedImage>;  // image reference -> entry

LockInputs lock_inputs(const std::vector<Source>& sources, const std::vector<PackageSpec>& request,
                       const std::string& arch, const std::string& base, bool essential, bool recommends);

// The packages to install, as the resolver would return them.
std::vector<ResolvedPackage> locked_packages(const AptLock& lock);

// The "apt" object of the lock file (a JSON object text). Errors name
// `where` and the entry: "wheels.lock: apt[\"x\"]: debs[2]: missing \"sha256\"".
Result<AptLockFile> parse_apt_lock(const std::string& json_text, const std::string& where);
std::string apt_lock_to_json(const AptLockFile& entries);  // canonical, compact

}  // namespace dl::apt
