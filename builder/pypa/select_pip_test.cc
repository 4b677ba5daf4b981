// Differential test of select_wheel against pip's own PackageFinder code
// (tests/fixtures/pypa/pip_select.py): hundreds of random but reproducible
// scenarios (versions with pre/post/local parts, build tags, compressed tag
// sets, yanked files, Requires-Python, pre-release policy) must pick the
// same winner and the same applicable set. Skips without python3 + pip wheel.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "builder/pypa/pip_oracle_util.h"
#include "builder/pypa/select.h"

namespace dl::pypa {
namespace {

struct Target {
  const char *python, *abi, *glibc, *full;
};

TEST(SelectAgainstPip, RandomScenariosPickTheSameWheel) {
  if (!testing::have_pip()) {
    GTEST_SKIP() << "needs python3 and python3-pip-whl";
  }
  const char* names[] = {"pkg", "pkg", "pkg", "Pkg", "other"};
  const char* versions[] = {"1.0",      "1.0.0",     "1.1",   "2.0rc1",   "2.0",  "2.0.post1",
                            "2.0+cu92", "2.0+cu100", "1!0.5", "0.9.dev1", "2.1b1"};
  const char* builds[] = {"1", "2", "10", "2a"};
  const char* tags[] = {"py3-none-any",
                        "py2.py3-none-any",
                        "cp36-cp36m-manylinux1_x86_64",
                        "cp36-cp36m-manylinux2010_x86_64.manylinux2014_x86_64",
                        "cp36-abi3-linux_x86_64",
                        "cp35-abi3-manylinux1_x86_64",
                        "cp27-cp27mu-manylinux1_x86_64",
                        "cp27-cp27m-linux_x86_64",
                        "cp311-cp311-manylinux_2_17_x86_64",
                        "cp36-cp36m-macosx_10_9_x86_64",
                        "py36-none-any",
                        "cp36-none-any",
                        "py2-none-any",
                        "cp36-cp36m-manylinux_2_24_x86_64"};
  const char* requires_python[] = {">=3.6", ">=3.7", "<3", ">=2.7,!=3.0.*", ">=3.6.5"};
  const char* specs[] = {"",         ">=1.0", "==2.0",      "==2.0.*", "<2",    "!=2.0",
                         ">=2.0rc1", "~=1.0", "==2.0+cu92", ">2.0",    "<=1.1", "==1.*"};
  const Target targets[] = {{"3.6", "cp36m", "2.17", "3.6.9"},
                            {"2.7", "cp27mu", "2.17", "2.7.18"},
                            {"3.11", "cp311", "2.27", "3.11.2"},
                            {"3.6", "cp36m", "2.5", "3.6.0"}};

  std::mt19937 rng(20261127);
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  auto chance = [&](int percent) { return static_cast<int>(pick(100)) < percent; };

  std::vector<std::string> requests, ours;
  for (int scenario = 0; scenario < 400; ++scenario) {
    const Target& t = targets[pick(4)];
    const char* spec = specs[pick(sizeof specs / sizeof *specs)];
    bool pre = chance(20);
    std::vector<Candidate> cands;
    size_t n = 1 + pick(8);
    for (size_t k = 0; k < n; ++k) {
      std::string f = std::string(names[pick(5)]) + "-" + versions[pick(sizeof versions / sizeof *versions)];
      if (chance(25)) f += std::string("-") + builds[pick(4)];
      f += std::string("-") + tags[pick(sizeof tags / sizeof *tags)] + ".whl";
      Candidate c{f, chance(10), "", chance(15) ? requires_python[pick(5)] : ""};
      cands.push_back(c);
    }
    std::string line = std::string("pkg\t") + spec + "\t" + (pre ? "1" : "0") + "\t" + t.python + "\t" + t.abi + "\t" +
                       t.glibc + "\t" + t.full;
    for (const auto& c : cands) line += "\t" + c.filename + "|" + (c.yanked ? "Y" : "N") + "|" + c.requires_python;
    requests.push_back(line);

    SupportedTags supported(*Interpreter::make(t.python, t.abi, t.glibc));
    SelectPolicy policy;
    policy.allow_prereleases = pre;
    policy.python_full_version = t.full;
    Selection s = select_wheel("pkg", *SpecifierSet::parse(spec), cands, supported, policy);
    std::vector<std::string> applicable;
    for (size_t i : s.applicable) applicable.push_back(cands[i].filename);
    std::sort(applicable.begin(), applicable.end());
    std::string answer = (s.winner ? cands[*s.winner].filename : "(none)") + "\t";
    for (size_t i = 0; i < applicable.size(); ++i) answer += (i ? " " : "") + applicable[i];
    ours.push_back(answer);
  }

  std::vector<std::string> theirs =
      testing::run_pip_batch(std::string(DL_SOURCE_DIR) + "/tests/fixtures/pypa/pip_select.py", requests);
  ASSERT_EQ(theirs.size(), requests.size());
  int failures = 0, with_winner = 0;
  for (size_t i = 0; i < requests.size() && failures < 10; ++i) {
    if (theirs[i].rfind("(none)", 0) != 0) ++with_winner;
    if (theirs[i] != ours[i]) {
      ++failures;
      ADD_FAILURE() << "scenario: " << requests[i] << "\n  pip:  " << theirs[i] << "\n  ours: " << ours[i];
    }
  }
  // The generator must exercise real choices, not only empty results.
  EXPECT_GT(with_winner, 100);
}

}  // namespace
}  // namespace dl::pypa
