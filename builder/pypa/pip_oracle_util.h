// Shared by the differential tests against pip (pip_oracle_test,
// select_pip_test, tags_test): where Debian's python3 and pip wheel are, and
// one batch run of a tests/fixtures/pypa script: one request per line in, one
// answer per line out.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace dl::pypa::testing {

inline const char* const kPipWheel = "/usr/share/python-wheels/pip-23.0.1-py3-none-any.whl";
inline const char* const kPython = "/usr/bin/python3";

inline bool have_pip() { return std::filesystem::exists(kPipWheel) && std::filesystem::exists(kPython); }

// `script` with its arguments, run with pip's vendored packaging importable.
// A failed run is a test failure and returns no answers.
inline std::vector<std::string> run_pip_batch(const std::string& script, const std::vector<std::string>& requests) {
  auto dir = std::filesystem::temp_directory_path() / ("dl-pypa-pip-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  {
    std::ofstream in(dir / "in.txt");
    for (const auto& r : requests) in << r << "\n";
  }
  std::string cmd = std::string("PYTHONPATH=") + kPipWheel + " " + kPython + " " + script + " < " +
                    (dir / "in.txt").string() + " > " + (dir / "out.txt").string();
  std::vector<std::string> answers;
  if (std::system(cmd.c_str()) != 0) {
    ADD_FAILURE() << "failed: " << cmd;
  } else {
    std::ifstream out(dir / "out.txt");
    for (std::string l; std::getline(out, l);) answers.push_back(l);
  }
  std::filesystem::remove_all(dir);
  return answers;
}

}  // namespace dl::pypa::testing
