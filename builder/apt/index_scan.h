// Fast passes over a Packages text for the fields libsolv's repo_deb does
// not keep (Size, Essential, Multi-Arch, Priority), touching only the stanzas asked
// for: a memchr-speed walk over "Package:" lines, no map of the whole
// index. Internal to builder/apt.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace dl::apt {

struct StanzaMeta {
  std::string name, version, arch;
  uint64_t size = 0;
  bool essential = false;
  std::string multi_arch;
  std::string priority;  // required, important, standard, optional, extra; "" if absent
};

// The stanzas whose Package is in `names`.
std::vector<StanzaMeta> scan_stanzas(std::string_view text, const std::set<std::string, std::less<>>& names);

// Names of the `Essential: yes` packages.
std::vector<std::string> essential_names(std::string_view text);

}  // namespace dl::apt
