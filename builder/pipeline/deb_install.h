// `dlimage deb install` and `deb resolve --base`: the apt resolution of
// builder/apt joined to the installer of builder/deb, for a directory (a
// chroot being assembled) instead of an image layer.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "builder/apt/fetch.h"
#include "builder/apt/resolve.h"
#include "builder/deb/installer.h"

namespace dl::pipeline {

// The dpkg state and paths of an image in an OCI layout: "oci:DIR:REF" (or DIR:REF).
Result<std::shared_ptr<const deb::BaseTree>> scan_image(const std::string& oci_ref);

// The dpkg state of a directory tree (its status, triggers, alternatives).
Result<deb::BaseTree> scan_directory(const std::string& root);

struct DirInstallRequest {
  std::string root;
  std::vector<apt::Source> sources;
  apt::ResolveRequest resolve;         // packages by name (may be empty)
  std::vector<std::string> deb_files;  // local .debs installed as they are
  apt::FetchOptions fetch;             // cache_dir, arch, offline, verifier
  std::vector<std::string> allow_scripts;
  std::int64_t source_date_epoch = 0;
};

struct DirInstallResult {
  std::vector<apt::ResolvedPackage> resolved;
  deb::InstallReport report;
};

// Resolves against ROOT's dpkg status, fetches the .debs by sha256 into
// the cache, installs them into ROOT. An empty ROOT with Essential packages
// that include usr-is-merged is laid out merged-/usr first.
Result<DirInstallResult> install_into_directory(const DirInstallRequest& req);

}  // namespace dl::pipeline
