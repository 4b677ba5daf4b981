// What gets installed must fit the TARGET interpreter: tags and METADATA
// Requires-Python, the way pip running inside that interpreter refuses
// ("Package 'pip' requires a different Python: 3.6.15 not in '>=3.7'").
// And a cached wheel is re-hashed on use: a same-size tampered file is
// dropped and fetched again, never installed.
#include <gtest/gtest.h>

#include <fstream>

#include "base/sha256.h"
#include "builder/wheel/cache.h"
#include "builder/wheel/target_check.h"
#include "builder/wheel/wheel_test_util.h"

namespace dl::wheel {
namespace {

Target target(const std::string& py, const std::string& abi, const std::string& full = "") {
  auto i = pypa::Interpreter::make(py, abi, "2.23", "x86_64");
  EXPECT_TRUE(i.ok()) << i.error().message();
  return Target{*i, full};
}

Status check(const std::filesystem::path& whl, const Target& t) {
  auto w = inspect_wheel(whl);
  EXPECT_TRUE(w.ok()) << w.error().message();
  return check_installable(*w, t, pypa::SupportedTags(t.interpreter));
}

std::filesystem::path make_cp36_wheel(const TempDir& dir) {
  std::string name = "old-1.0-cp36-cp36m-manylinux1_x86_64.whl";
  std::string cmd = "python3 -c \"import sys; sys.path.insert(0, '" + std::string(DL_SOURCE_DIR) +
                    "/tests/fixtures/wheels'); import make_wheels as m; "
                    "f, di = m.basic('old', '1.0', purelib=False, tag='cp36-cp36m-manylinux1_x86_64'); "
                    "m.write_wheel('" +
                    (dir.path() / name).string() + "', f, di)\"";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  return dir.path() / name;
}

const std::filesystem::path kPip = std::filesystem::path(testing::kDebianWheels) / "pip-23.0.1-py3-none-any.whl";

TEST(TargetCheck, Pip23NeedsPython37AndIsRefusedForA36Root) {
  ASSERT_TRUE(std::filesystem::exists(kPip)) << "Debian's python3-pip-whl provides it";
  auto s = check(kPip, target("3.6", "cp36m"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind(), ErrorKind::invalid_input);
  EXPECT_EQ(s.error().message(),
            "pip-23.0.1-py3-none-any.whl: requires Python >=3.7 (METADATA Requires-Python) but the target is "
            "Python 3.6 (cp36m, glibc 2.23, x86_64); expected a release of pip that supports Python 3.6");
  auto patch = check(kPip, target("3.6", "cp36m", "3.6.15"));
  ASSERT_FALSE(patch.ok());
  EXPECT_NE(patch.error().message().find("Python 3.6.15"), std::string::npos);
  EXPECT_TRUE(check(kPip, target("3.7", "cp37m")).ok());
  EXPECT_TRUE(check(kPip, target("3.11", "cp311")).ok());
}

TEST(TargetCheck, Cp36WheelIsRefusedForA27Root) {
  TempDir d;
  auto whl = make_cp36_wheel(d);
  auto s = check(whl, target("2.7", "cp27mu"));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("old-1.0-cp36-cp36m-manylinux1_x86_64.whl: is not a supported wheel for the "
                                     "target Python 2.7 (cp27mu, glibc 2.23, x86_64)"),
            std::string::npos)
      << s.error().message();
  EXPECT_NE(s.error().message().find("cp36-cp36m-manylinux1_x86_64"), std::string::npos);
  EXPECT_TRUE(check(whl, target("3.6", "cp36m")).ok());
  // manylinux1 needs glibc >= 2.5; a musl root (no glibc) takes none.
  auto musl = pypa::Interpreter::make("3.6", "cp36m", "", "x86_64");
  ASSERT_TRUE(musl.ok());
  EXPECT_FALSE(check(whl, Target{*musl, ""}).ok());
}

TEST(TargetCheck, InvalidRequiresPythonIsIgnoredAsPipDoes) {
  auto w = inspect_wheel(kPip);
  ASSERT_TRUE(w.ok());
  w->metadata.requires_python = ">=3.7,<<4";
  auto t = target("3.6", "cp36m");
  EXPECT_TRUE(check_installable(*w, t, pypa::SupportedTags(t.interpreter)).ok());
}

TEST(TargetCheck, DefaultAbiFollowsCPython) {
  EXPECT_EQ(default_abi(2, 7), "cp27mu");
  EXPECT_EQ(default_abi(3, 6), "cp36m");
  EXPECT_EQ(default_abi(3, 11), "cp311");
}

std::string sha_of(const std::filesystem::path& p) { return Sha256::hex(read_file(p).value()); }

TEST(CacheIntegrity, SameSizeTamperedWheelIsRefetchedNotUsed) {
  TempDir src, cache_dir;
  auto good = testing::fixture("dep-1.5-py3-none-any.whl");
  std::filesystem::copy_file(good, src.path() / "dep-1.5-py3-none-any.whl");
  std::string hex = sha_of(good);
  WheelCache cache(cache_dir.path());
  auto first = cache.fetch((src.path() / "dep-1.5-py3-none-any.whl").string(), hex);
  ASSERT_TRUE(first.ok()) << first.error().message();

  // Tamper in place, keeping the size.
  std::string bytes = read_file(first->path).value();
  bytes[bytes.size() / 2] ^= 0x01;
  std::filesystem::permissions(first->path, std::filesystem::perms::owner_write, std::filesystem::perm_options::add);
  { std::ofstream(first->path, std::ios::binary | std::ios::trunc) << bytes; }
  ASSERT_EQ(std::filesystem::file_size(first->path), std::filesystem::file_size(good));

  EXPECT_FALSE(cache.find(hex).has_value()) << "a tampered cache file was returned as a hit";
  auto again = cache.fetch((src.path() / "dep-1.5-py3-none-any.whl").string(), hex);
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(sha_of(again->path), hex) << "the refetched file must be the good one";

  // With the source gone too, a tampered entry is an error, not an install.
  bytes = read_file(again->path).value();
  bytes[10] ^= 0x01;
  { std::ofstream(again->path, std::ios::binary | std::ios::trunc) << bytes; }
  std::filesystem::remove(src.path() / "dep-1.5-py3-none-any.whl");
  EXPECT_FALSE(cache.fetch((src.path() / "dep-1.5-py3-none-any.whl").string(), hex).ok());
}

}  // namespace
}  // namespace dl::wheel
