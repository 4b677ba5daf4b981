// A fast pass over a Packages text for the fields libsolv's repo_deb does not
// keep (Size, Essential, Multi-Arch). Internal to builder/apt.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace dl::apt {

struct IndexMeta {
  struct Entry {
    uint64_t size = 0;
    bool essential = false;
    std::string multi_arch;
  };
  std::unordered_map<std::string, Entry> by_key;  // "name version arch"
  std::vector<std::string> essential_names;        // sorted, unique
  const Entry* find(const std::string& name, const std::string& version, const std::string& arch) const;
};

void scan_index(std::string_view text, IndexMeta& meta);

}  // namespace dl::apt
