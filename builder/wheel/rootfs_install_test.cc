// Proof on a real Debian rootfs: the Debian pip/setuptools/wheel wheels,
// installed by this code, make a working pip inside the chroot that finds no
// broken requirements.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "base/fs.h"
#include "builder/wheel/install.h"
#include "builder/wheel/wheel_test_util.h"

namespace dl::wheel {
namespace {

namespace fs = std::filesystem;

struct Ran {
  int status;
  std::string output;
};

Ran run(const std::string& cmd) {
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return {-1, "popen failed"};
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int st = ::pclose(p);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

std::string first_line(const fs::path& p) {
  std::ifstream in(p);
  std::string l;
  std::getline(in, l);
  return l;
}

TEST(RootfsInstall, DebianWheelsGiveAWorkingPip) {
  const char* tar = std::getenv("DL_BASE_ROOTFS_TAR");
  const char* allow_skip = std::getenv("DL_ALLOW_SKIP_ROOTFS");
  bool may_skip = allow_skip && std::string(allow_skip) == "1";
  if (!tar || !*tar) {
    if (may_skip) GTEST_SKIP() << "DL_BASE_ROOTFS_TAR not set";
    FAIL() << "DL_BASE_ROOTFS_TAR is not set: run `eval \"$(ci/make-base.sh build/cache | grep ^DL_)\"` "
              "(a Debian rootfs with python3, ca-certificates and apt, made by dlimage) "
              "(or set DL_ALLOW_SKIP_ROOTFS=1 to skip)";
  }
  if (::geteuid() != 0) {
    if (may_skip) GTEST_SKIP() << "chroot needs root";
    FAIL() << "this test runs chroot and must run as root";
  }
  std::vector<fs::path> wheels;
  for (auto& f : fs::directory_iterator(testing::kDebianWheels))
    if (f.path().extension() == ".whl") wheels.push_back(f.path());
  ASSERT_GE(wheels.size(), 2u) << "need pip and setuptools wheels (python3-pip-whl, python3-setuptools-whl)";

  TempDir root("dl-rootfs");
  Ran untar = run("tar -xf '" + std::string(tar) + "' -C '" + root.path().string() + "'");
  ASSERT_EQ(untar.status, 0) << untar.output;
  ASSERT_TRUE(fs::exists(root.path() / "usr/bin/python3")) << tar << " has no usr/bin/python3";
  ASSERT_NE(run("chroot '" + root.path().string() + "' python3 -m pip --version").status, 0)
      << "the base rootfs already has pip; the test would prove nothing";

  DirectorySink sink(root.path());
  auto layout = InterpreterLayout::debian("3.11", "/usr/bin/python3");
  auto r = install_wheels(wheels, layout, sink);
  ASSERT_TRUE(r.ok()) << r.error().message();

  const fs::path local = root.path() / "usr/local";
  EXPECT_EQ(first_line(local / "bin/pip"), "#!/usr/bin/python3");
  EXPECT_EQ(fs::status(local / "bin/pip").permissions() & fs::perms::owner_exec, fs::perms::owner_exec);
  EXPECT_TRUE(fs::exists(local / "lib/python3.11/dist-packages/pip-23.0.1.dist-info/INSTALLER"));
  for (auto& f : fs::recursive_directory_iterator(local))
    ASSERT_NE(f.path().extension(), ".pyc") << f.path() << ": the installer must not compile";

  const std::string chroot = "chroot '" + root.path().string() + "' env PYTHONDONTWRITEBYTECODE=1 ";
  Ran check = run(chroot + "python3 -m pip check");
  EXPECT_EQ(check.status, 0) << check.output;
  EXPECT_NE(check.output.find("No broken requirements found."), std::string::npos) << check.output;

  Ran version = run(chroot + "/usr/local/bin/pip --version");
  EXPECT_EQ(version.status, 0) << version.output;
  EXPECT_NE(version.output.find("from /usr/local/lib/python3.11/dist-packages/pip"), std::string::npos)
      << version.output;

  // pip itself agrees on what was installed, and by whom.
  Ran show = run(chroot + "python3 -m pip show -f setuptools");
  EXPECT_EQ(show.status, 0) << show.output;
  EXPECT_NE(show.output.find("Location: /usr/local/lib/python3.11/dist-packages"), std::string::npos) << show.output;
  Ran inspect = run(chroot + "python3 -m pip list -v --format=freeze");
  EXPECT_NE(inspect.output.find("pip=="), std::string::npos) << inspect.output;
}

}  // namespace
}  // namespace dl::wheel
