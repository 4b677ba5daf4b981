#include "builder/cpu/drivers.h"

#include <gtest/gtest.h>

#include "base/fs.h"
#include "builder/cpu/embedded.h"

namespace dl::cpu {
namespace {

const DriverTable& table() {
  static const DriverTable t = [] {
    auto r = DriverTable::embedded();
    EXPECT_TRUE(r.ok()) << r.error().message();
    return std::move(r).value();
  }();
  return t;
}

Version v(const char* s) { return std::move(Version::parse(s, "version")).value(); }

std::string min_for(const char* cuda) {
  auto r = table().requirement(cuda);
  return r.ok() ? r->min_driver.text : "error: " + r.error().message();
}

TEST(Version, ComparesNumericallyFieldByField) {
  EXPECT_TRUE(v("387.26") < v("390.46"));
  EXPECT_TRUE(v("418.87.00") == v("418.87"));
  EXPECT_TRUE(v("450.51.06") >= v("450.51.05"));
  EXPECT_TRUE(v("9.1") < v("10.0"));
  EXPECT_TRUE(v("396.100") >= v("396.37"));  // not a string comparison
  EXPECT_EQ(v("9.1.85").major_minor(), "9.1");
}

TEST(Version, MalformedIsAnError) {
  for (const char* bad : {"", "abc", "387.", ".26", "387..26", "387.26a", "1.2.3.4.5", "-1"}) {
    auto r = Version::parse(bad, "NVIDIA driver version");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message().find("malformed NVIDIA driver version"), std::string::npos);
  }
}

TEST(DriverTable, EmbeddedCopyIsTheDataFile) {
  auto disk = read_file(std::string(DL_SOURCE_DIR) + "/data/cuda_drivers.yaml");
  ASSERT_TRUE(disk.ok());
  EXPECT_EQ(*disk, embedded_cuda_drivers_yaml());
}

TEST(DriverTable, NvidiaTableValues) {
  EXPECT_EQ(min_for("8.0.44"), "367.48");
  EXPECT_EQ(min_for("8.0.61"), "375.26");
  EXPECT_EQ(min_for("9.0.76"), "384.81");
  EXPECT_EQ(min_for("9.1.85"), "390.46");
  EXPECT_EQ(min_for("9.2.88"), "396.26");
  EXPECT_EQ(min_for("9.2.148"), "396.37");
  EXPECT_EQ(min_for("10.0.130"), "410.48");
  EXPECT_EQ(min_for("10.1.105"), "418.39");
  EXPECT_EQ(min_for("10.1.168"), "418.67");
  EXPECT_EQ(min_for("10.1.243"), "418.87.00");
  EXPECT_EQ(min_for("10.2.89"), "440.33");
  EXPECT_EQ(min_for("11.0.3"), "450.51.06");
}

TEST(DriverTable, MajorMinorTakesTheSeriesLowestMinimum) {
  EXPECT_EQ(min_for("8.0"), "367.48");
  EXPECT_EQ(min_for("9.2"), "396.26");
  EXPECT_EQ(min_for("10.0"), "410.48");
  EXPECT_EQ(min_for("10.1"), "418.39");
  EXPECT_FALSE(table().requirement("10.0").value().overridden);
}

TEST(DriverTable, Cuda91HonoursTheShippedDriver) {
  auto r = table().requirement("9.1");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->min_driver.text, "387.26");
  EXPECT_TRUE(r->overridden);
  EXPECT_NE(r->basis.find("387.26"), std::string::npos) << r->basis;
  // A specific release still reports NVIDIA's number.
  EXPECT_EQ(min_for("9.1.85"), "390.46");
}

TEST(DriverTable, UnknownCudaIsNotFound) {
  auto r = table().requirement("9.3");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), ErrorKind::not_found);
  EXPECT_NE(r.error().message().find("CUDA 9.3"), std::string::npos);
  EXPECT_FALSE(table().requirement("nine").ok());
}

TEST(DriverTable, BadFilesNameThePosition) {
  auto no_reason = DriverTable::parse(
      "releases:\n  - {cuda: \"9.1.85\", linux_min: \"390.46\"}\noverrides:\n  - {cuda: \"9.1\", effective_min: "
      "\"387.26\"}\n",
      "d.yaml");
  ASSERT_FALSE(no_reason.ok());
  EXPECT_EQ(no_reason.error().message().rfind("d.yaml:4:5: override for CUDA 9.1 has no 'reason'", 0), 0u)
      << no_reason.error().message();
  auto bad_version = DriverTable::parse("releases:\n  - {cuda: \"8.0.44\", linux_min: \"367,48\"}\n", "d.yaml");
  ASSERT_FALSE(bad_version.ok());
  EXPECT_EQ(bad_version.error().message().rfind("d.yaml:2:", 0), 0u) << bad_version.error().message();
}

TEST(Rocm, MatchesByMajorMinor) {
  EXPECT_TRUE(rocm_matches(v("2.6.22"), v("2.6.22")));
  EXPECT_TRUE(rocm_matches(v("2.6"), v("2.6.22")));
  EXPECT_TRUE(rocm_matches(v("2.6.22"), v("2.6.0")));
  EXPECT_FALSE(rocm_matches(v("2.6.22"), v("2.7.0")));
  EXPECT_FALSE(rocm_matches(v("2.6.22"), v("3.6.22")));
}

TEST(NvidiaProc, ParsesTheKernelModuleLine) {
  auto r = parse_nvidia_proc_version(
      "NVRM version: NVIDIA UNIX x86_64 Kernel Module  387.26  Thu Nov  2 21:20:16 PDT 2017\n"
      "GCC version:  gcc version 5.4.0 20160609 (Ubuntu 5.4.0-6ubuntu1~16.04.5)\n");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->text, "387.26");
  auto open =
      parse_nvidia_proc_version("NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  535.104.05  Release Build\n");
  ASSERT_TRUE(open.ok());
  EXPECT_EQ(open->text, "535.104.05");
  EXPECT_FALSE(parse_nvidia_proc_version("garbage\n").ok());
}

}  // namespace
}  // namespace dl::cpu
