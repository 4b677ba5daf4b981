// Shared by the builder/deb tests: shell commands (dpkg-deb, ldconfig, the
// oracles) and files written into the trees they build.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace dl::deb::testing {

inline int sh(const std::string& cmd) { return std::system(cmd.c_str()); }

// The command's standard output.
inline std::string run(const std::string& cmd) {
  std::string out;
  FILE* f = ::popen(cmd.c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  ::pclose(f);
  return out;
}

inline void put(const std::filesystem::path& p, const std::string& data,
                std::filesystem::perms mode = std::filesystem::perms(0644)) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p) << data;
  std::filesystem::permissions(p, mode);
}

}  // namespace dl::deb::testing
