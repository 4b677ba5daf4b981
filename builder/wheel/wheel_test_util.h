// Shared by the wheel tests: the generated fixture wheels.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "base/fs.h"

namespace dl::wheel::testing {

// Runs tests/fixtures/wheels/make_wheels.py once per test binary and returns
// the directory holding the good wheels and the hostile corpus.
inline const std::filesystem::path& fixture_wheels() {
  static TempDir dir("dl-wheel-fixtures");
  static bool made = [] {
    std::string cmd = std::string("python3 -W ignore ") + DL_SOURCE_DIR + "/tests/fixtures/wheels/make_wheels.py " +
                      dir.path().string();
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("fixture generation failed: " + cmd);
    return true;
  }();
  (void)made;
  return dir.path();
}

inline std::filesystem::path fixture(const std::string& name) { return fixture_wheels() / name; }

constexpr const char* kDebianWheels = "/usr/share/python-wheels";

}  // namespace dl::wheel::testing
