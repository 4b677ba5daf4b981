// A dpkg `status` file read as the set of installed packages the resolver
// starts from. The paragraphs themselves are parsed by the one deb822
// parser in builder/deb.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace dl::apt {

// One installed package from a dpkg `status` file.
struct InstalledPackage {
  std::string name, version, arch;  // arch "all" or "amd64", ...
  std::string status;               // "install ok installed"
  bool essential = false;
  std::string multi_arch;  // "same", "foreign", "allowed" or ""
  std::string paragraph;   // the stanza as written (for merging status)
};

// Parses a dpkg status file. Only stanzas whose Status ends in " installed"
// (or half-configured/unpacked states dpkg still counts as present:
// "half-installed", "unpacked", "half-configured", "triggers-awaited",
// "triggers-pending") are returned; "not-installed"/"config-files" stanzas
// are skipped. `file` names the source in errors.
Result<std::vector<InstalledPackage>> parse_status(std::string_view text, const std::string& file = "status");

}  // namespace dl::apt
