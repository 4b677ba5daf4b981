#include "builder/apt/lock.h"

#include <algorithm>

namespace dl::apt {

AptLock make_lock(const std::vector<RepoIndex>& repos, const std::vector<ResolvedPackage>& pkgs) {
  AptLock lock;
  for (const auto& r : repos) lock.releases.push_back({r.release_url, r.release_sha256});
  std::sort(lock.releases.begin(), lock.releases.end(),
            [](const LockedRelease& a, const LockedRelease& b) { return a.url < b.url; });
  lock.releases.erase(std::unique(lock.releases.begin(), lock.releases.end()), lock.releases.end());
  for (const auto& p : pkgs)
    lock.debs.push_back({p.name, p.version, p.arch, p.filename, p.size, p.sha256, p.url});
  std::sort(lock.debs.begin(), lock.debs.end(), [](const LockedDeb& a, const LockedDeb& b) {
    return a.name != b.name ? a.name < b.name : a.arch < b.arch;
  });
  return lock;
}

}  // namespace dl::apt
