// Dependency resolution of a package request relative to a base, with
// libsolv (no solver of our own): the base's dpkg status is the installed
// repo, the verified Packages indexes are the available repos.
//
// Semantics follow apt's: Depends and Pre-Depends (with alternatives and
// version constraints), Provides (versioned too), Conflicts and Breaks,
// Multi-Arch and ":any"/":arch" qualifiers, Recommends only when asked.
// Installed packages are kept (upgraded only when the request needs it,
// never removed). An unsatisfiable request is an error carrying libsolv's
// problem explanation; an unknown name suggests the nearest known one.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "builder/apt/fetch.h"
#include "builder/apt/spec.h"
#include "builder/apt/status.h"

namespace dl::apt {

struct ResolveRequest {
  std::vector<PackageSpec> packages;
  std::string arch = "amd64";
  bool recommends = false;
  // Also install every `Essential: yes` package the indexes offer (and what
  // they need): an image built from packages alone (`base: scratch`),
  // as mmdebstrap --variant=essential does.
  bool essential = false;
};

// One package to download and install.
struct ResolvedPackage {
  std::string name, version, arch;
  std::string filename;  // "pool/main/p/python3/python3_3.11.2-1+b1_amd64.deb"
  uint64_t size = 0;
  std::string sha256;
  std::string url;       // <repo uri>/<filename>
  std::string repo_uri;  // RepoIndex::uri it came from
  std::string multi_arch;
  bool essential = false;
  bool upgrade = false;                            // replaces a different installed version of the base
  bool operator<(const ResolvedPackage& o) const;  // by name, arch, version
};

// Returns the packages to install, sorted by name then arch. Packages that
// are already installed at the chosen version are not listed.
Result<std::vector<ResolvedPackage>> resolve(const std::vector<RepoIndex>& repos,
                                             const std::vector<InstalledPackage>& installed, const ResolveRequest& req);

// Debian version comparison (deb-version(7)), libsolv's evr rules.
int compare_versions(std::string_view a, std::string_view b);

}  // namespace dl::apt
