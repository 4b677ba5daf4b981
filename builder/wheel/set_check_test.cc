#include "builder/wheel/set_check.h"

#include <gtest/gtest.h>

#include "builder/wheel/wheel_test_util.h"

namespace dl::wheel {
namespace {

using testing::fixture;

TEST(SetCheck, MissingDependencyIsReported) {
  auto good = inspect_wheel(fixture("good-1.0-py3-none-any.whl")).value();
  auto dep = inspect_wheel(fixture("dep-1.5-py3-none-any.whl")).value();
  EXPECT_TRUE(require_complete({good, dep}, "3.11").ok());
  Status alone = require_complete({good}, "3.11");
  ASSERT_FALSE(alone.ok());
  EXPECT_NE(alone.error().message().find("incomplete wheel set for python 3.11 (1 problem): good 1.0 requires dep"),
            std::string::npos)
      << alone.error().message();
}

TEST(SetCheck, AParsedTargetChecksTheSame) {
  auto good = inspect_wheel(fixture("good-1.0-py3-none-any.whl")).value();
  auto target = cpython_target("3.11").value();
  Status alone = require_complete({good}, target);
  ASSERT_FALSE(alone.ok());
  EXPECT_EQ(alone.error().message(), require_complete({good}, "3.11").error().message());
}

TEST(SetCheck, DebianWheelsAreComplete) {
  std::vector<WheelContents> wheels;
  for (auto& f : std::filesystem::directory_iterator(testing::kDebianWheels))
    if (f.path().extension() == ".whl") wheels.push_back(inspect_wheel(f.path()).value());
  Status s = require_complete(wheels, "3.11");
  EXPECT_TRUE(s.ok()) << s.error().message();
}

TEST(SetCheck, BadPythonVersion) {
  EXPECT_EQ(cpython_target("three").error().message(), "python version \"three\" (expected X.Y or X.Y.Z)");
}

}  // namespace
}  // namespace dl::wheel
