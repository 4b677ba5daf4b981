// dpkg's database (/var/lib/dpkg, dpkg(1) "FILES"), as far as an image needs
// it for dpkg and apt inside it to see the truth: the `status` file, the
// per-package `info/<pkg>[:arch].*` files, `info/format`, and the trigger
// interest files. dlimage writes these instead of running dpkg.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/result.h"
#include "builder/deb/deb822.h"
#include "builder/deb/deb_file.h"

namespace dl::deb {

inline constexpr const char* kDpkgDir = "var/lib/dpkg";

// "libc6:amd64" for Multi-Arch: same packages (dpkg's info file naming),
// else "bash".
std::string info_name(const Paragraph& control);
// Package name plus architecture: identifies one status entry.
std::string status_key(const Paragraph& p);

// The status entry of a freshly configured package: the control fields in
// dpkg's field order, "Status: install ok installed", and Conffiles with the
// md5 of each conffile as shipped (`conffile_md5`: path -> md5 hex), then
// the conffiles an upgrade keeps from the old version (`obsolete`: path ->
// md5), marked obsolete as dpkg marks them.
Paragraph installed_entry(const Paragraph& control, const std::vector<std::string>& conffiles,
                          const std::map<std::string, std::string>& conffile_md5,
                          const std::map<std::string, std::string>& obsolete = {});

// Base entries plus `added` (an added entry replaces the base entry with the
// same status_key), ordered by name then architecture as dpkg writes them.
std::string merge_status(const std::vector<Paragraph>& base, const std::vector<Paragraph>& added);

// Trigger interests from the packages' `triggers` control files, merged into
// the base's: "triggers/File" (file triggers) and "triggers/<name>" files,
// each keyed by its path under var/lib/dpkg.
std::map<std::string, std::string> merge_triggers(const std::map<std::string, std::string>& base_files,
                                                  const std::vector<std::pair<std::string, std::string>>& pkg_triggers);

// Conffile paths from a package's `conffiles` member (absolute, as dpkg lists them).
std::vector<std::string> parse_conffiles(const std::string& member);

}  // namespace dl::deb
