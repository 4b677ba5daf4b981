#include "builder/pypa/completeness.h"

#include <gtest/gtest.h>

#include "builder/pypa/tags.h"

namespace dl::pypa {
namespace {

TargetEnvironment target(const char* python, const char* abi) {
  return {std::string("python ") + python, Environment::linux_cpython(*Interpreter::make(python, abi, "2.17"))};
}

std::vector<std::string> messages(const std::vector<Problem>& ps) {
  std::vector<std::string> out;
  for (const auto& p : ps) out.push_back(p.message);
  return out;
}

Distribution tensorflow() {
  return {"tensorflow",
          "1.6.0",
          {"absl-py>=0.1.6", "astor>=0.6.0", "numpy>=1.13.3", "six>=1.10.0", "protobuf>=3.4.0",
           "mock>=2.0.0; python_version < \"3\"", "enum34>=1.1.6; python_version < \"3.4\"",
           "wheel>=0.26; python_version >= \"3\"", "backports.weakref>=1.0rc1; python_version < \"3.4\""},
          {},
          {}};
}

TEST(Completeness, ReportsMissingAndConflictingWithTheRequester) {
  std::vector<Distribution> set = {tensorflow(),
                                   {"absl-py", "0.2.0", {"six"}, {}, {}},
                                   {"astor", "0.6.2", {}, {}, {}},
                                   {"six", "1.9.0", {}, {}, {}},
                                   {"Protobuf", "3.5.1", {"six>=1.9", "setuptools"}, {}, {}},
                                   {"wheel", "0.31.0", {}, {}, {}},
                                   {"setuptools", "39.0.1", {}, {}, {}}};
  auto p = check_completeness(set, {target("3.6", "cp36m")});
  EXPECT_EQ(messages(p), (std::vector<std::string>{
                             "tensorflow 1.6.0 requires numpy>=1.13.3, which is not in the set",
                             "tensorflow 1.6.0 requires six>=1.10.0, but six 1.9.0 is in the set",
                         }));
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].distribution, "tensorflow 1.6.0");
  EXPECT_EQ(p[0].requirement, "numpy>=1.13.3");
  EXPECT_EQ(p[0].target, "python 3.6");
}

TEST(Completeness, MarkersAreEvaluatedPerInterpreter) {
  std::vector<Distribution> set = {tensorflow(),
                                   {"absl-py", "0.2.0", {}, {}, {}},
                                   {"astor", "0.6.2", {}, {}, {}},
                                   {"numpy", "1.14.2", {}, {}, {}},
                                   {"six", "1.11.0", {}, {}, {}},
                                   {"protobuf", "3.5.1", {}, {}, {}},
                                   {"wheel", "0.31.0", {}, {}, {}}};
  EXPECT_TRUE(check_completeness(set, {target("3.6", "cp36m")}).empty());
  auto p = check_completeness(set, {target("3.6", "cp36m"), target("2.7", "cp27mu")});
  EXPECT_EQ(
      messages(p),
      (std::vector<std::string>{
          "tensorflow 1.6.0 requires mock>=2.0.0; python_version < \"3\", which is not in the set (for python 2.7)",
          "tensorflow 1.6.0 requires enum34>=1.1.6; python_version < \"3.4\", which is not in the set (for python 2.7)",
          "tensorflow 1.6.0 requires backports.weakref>=1.0rc1; python_version < \"3.4\", which is not in the set (for "
          "python 2.7)",
      }));
}

TEST(Completeness, ExtrasOnlyWhenRequestedAndTheyPropagate) {
  Distribution app{"app", "1.0", {"lib[fast]>=1", "pytest; extra == 'test'"}, {"test"}, {}};
  Distribution lib{"lib", "1.2", {"cython; extra == \"fast\"", "zlib-ng; extra == 'slow'"}, {"fast", "slow"}, {}};
  // lib[fast] is active because app requires it; app[test] is not requested.
  auto p = check_completeness({app, lib}, {target("3.6", "cp36m")});
  EXPECT_EQ(messages(p),
            std::vector<std::string>{"lib 1.2 requires cython; extra == \"fast\", which is not in the set"});
  app.requested_extras = {"Test"};
  p = check_completeness({app, lib}, {target("3.6", "cp36m")});
  EXPECT_EQ(messages(p),
            (std::vector<std::string>{"app 1.0 requires pytest; extra == \"test\", which is not in the set",
                                      "lib 1.2 requires cython; extra == \"fast\", which is not in the set"}));
  // Asking for an extra the target does not provide.
  Distribution other{"other", "1.0", {"lib[gpu]"}, {}, {}};
  p = check_completeness({other, lib, {"cython", "0.29", {}, {}, {}}}, {target("3.6", "cp36m")});
  EXPECT_EQ(messages(p), std::vector<std::string>{"other 1.0 requires lib[gpu], but lib 1.2 has no extra 'gpu'"});
}

TEST(Completeness, NamesNormalisedPrereleasesAcceptedAndBadMetadataReported) {
  std::vector<Distribution> set = {{"a", "1.0", {"Foo_Bar>=2.0", "b>=1.0", "c @ https://x/c.whl"}, {}, {}},
                                   {"foo.bar", "2.1rc1", {}, {}, {}},
                                   {"b", "not-a-version", {}, {}, {}},
                                   {"c", "0.1", {"d >>= 1"}, {}, {}}};
  auto p = check_completeness(set, {target("3.6", "cp36m")});
  auto m = messages(p);
  ASSERT_EQ(m.size(), 2u) << ::testing::PrintToString(m);
  EXPECT_NE(m[0].find("b not-a-version has an invalid version"), std::string::npos) << m[0];
  EXPECT_NE(m[1].find("c 0.1 has an unreadable Requires-Dist: invalid requirement 'd >>= 1'"), std::string::npos)
      << m[1];
  auto dup = check_completeness({{"six", "1.0", {}, {}, {}}, {"Six", "1.1", {}, {}, {}}}, {target("3.6", "cp36m")});
  ASSERT_EQ(dup.size(), 1u);
  EXPECT_EQ(dup[0].message, "the set holds Six twice (1.0 and 1.1)");
}

}  // namespace
}  // namespace dl::pypa
