#include "builder/wheel/install.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <map>

#include "base/fs.h"
#include "builder/wheel/wheel_test_util.h"

namespace dl::wheel {
namespace {

namespace fs = std::filesystem;
using testing::fixture;

// Keeps everything it is given, in order: what a tar-layer sink would see.
class RecordingSink : public InstallSink {
 public:
  struct Item {
    InstallEntry entry;
    std::string content;
  };
  Status add(const InstallEntry& e, const Reader& read) override {
    Item it{e, {}};
    char buf[4096];
    while (true) {
      auto n = read(buf, sizeof buf);
      if (!n.ok()) return n.error();
      if (*n == 0) break;
      it.content.append(buf, *n);
    }
    EXPECT_EQ(it.content.size(), e.size) << e.path << ": size announced before the bytes must be exact";
    items.push_back(std::move(it));
    return {};
  }
  std::vector<Item> items;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

const std::string kSite = "usr/local/lib/python3.11/dist-packages";

TEST(Install, LayoutForDebian) {
  auto l = InterpreterLayout::debian("3.6");
  EXPECT_EQ(l.purelib, "usr/local/lib/python3.6/dist-packages");
  EXPECT_EQ(l.interpreter, "/usr/bin/python3.6");
  auto s = InterpreterLayout::debian("3.11", "/usr/bin/python3", "usr/lib/python3/dist-packages");
  EXPECT_EQ(s.platlib, "usr/lib/python3/dist-packages");
  EXPECT_EQ(s.headers, "usr/local/include/python3.11");
}

TEST(Install, GoodWheelIntoDirectory) {
  TempDir root;
  DirectorySink sink(root.path());
  auto layout = InterpreterLayout::debian("3.11", "/usr/bin/python3");
  auto r = install_wheels({fixture("good-1.0-py3-none-any.whl"), fixture("plat-2.0-cp311-cp311-linux_x86_64.whl")},
                          layout, sink);
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].name, "good");
  const fs::path& R = root.path();
  EXPECT_EQ(slurp(R / kSite / "good/core.py").substr(0, 10), "import sys");
  EXPECT_EQ(slurp(R / kSite / "good_extra.py"), "EXTRA = 1\n");  // .data/purelib
  EXPECT_EQ(slurp(R / "usr/local/include/python3.11/good/good.h"), "#define GOOD 1\n");
  EXPECT_EQ(slurp(R / "usr/local/share/good/readme.txt"), "data file\n");
  EXPECT_EQ(slurp(R / kSite / "plat/_native.so"),
            "\x7f"
            "ELF fake");
  EXPECT_EQ(slurp(R / kSite / "good-1.0.dist-info/INSTALLER"), "dlimage\n");
  // #!python and #!pythonw -u both become the interpreter, as pip does.
  EXPECT_EQ(slurp(R / "usr/local/bin/good-script"), "#!/usr/bin/python3\nprint('script')\n");
  EXPECT_EQ(slurp(R / "usr/local/bin/good-scriptw"), "#!/usr/bin/python3\nprint('gui script')\n");
  EXPECT_EQ(slurp(R / "usr/local/bin/good-sh"), "#!/bin/sh\necho hi\n");
  EXPECT_EQ(slurp(R / "usr/local/bin/good"),
            "#!/usr/bin/python3\n# -*- coding: utf-8 -*-\nimport re\nimport sys\nfrom good.core import main\n"
            "if __name__ == '__main__':\n    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n"
            "    sys.exit(main())\n");
  EXPECT_NE(slurp(R / "usr/local/bin/good-attr").find("from good.core import App\n"), std::string::npos);
  EXPECT_NE(slurp(R / "usr/local/bin/good-attr").find("sys.exit(App.run())"), std::string::npos);
  EXPECT_TRUE(fs::exists(R / "usr/local/bin/good-gui"));
  for (auto* exe : {"usr/local/bin/good", "usr/local/bin/good-script", "usr/local/bin/good-sh"})
    EXPECT_EQ(fs::status(R / exe).permissions() & fs::perms::all, fs::perms(0755)) << exe;
  EXPECT_EQ(fs::status(R / kSite / "good/bin/tool.sh").permissions() & fs::perms::all, fs::perms(0755));
  EXPECT_EQ(fs::status(R / kSite / "good/core.py").permissions() & fs::perms::all, fs::perms(0644));

  std::string record = slurp(R / kSite / "good-1.0.dist-info/RECORD");
  EXPECT_NE(record.find("good/core.py,sha256=OhmbwvV1k-TJrSmkXZughimYo9SBanbpRRrdyuY4ORY,161\n"), std::string::npos);
  EXPECT_NE(record.find("../../../bin/good-sh,sha256=KZABho-4wC_UMcM2xtBY9VWMXf9bWvXm_gS4cKapy7o,18\n"),
            std::string::npos);
  // Rewritten: the hash is of the installed bytes, not the wheel's.
  EXPECT_NE(record.find("../../../bin/good-script,sha256="), std::string::npos);
  EXPECT_EQ(record.find("good-script,sha256=MGa3dnOQbG0ah"), std::string::npos);
  EXPECT_NE(record.find("good-1.0.dist-info/RECORD,,\n"), std::string::npos);
  EXPECT_NE(record.find("good-1.0.dist-info/INSTALLER,sha256="), std::string::npos);
  EXPECT_NE(record.find("../../../include/python3.11/good/good.h,"), std::string::npos);
  EXPECT_EQ(record.find(".data/"), std::string::npos);

  for (auto& f : fs::recursive_directory_iterator(R)) {
    EXPECT_NE(f.path().extension(), ".pyc") << f.path();
    EXPECT_EQ(f.path().filename().string().find(".tmp-"), std::string::npos) << f.path();
  }

  // The installed console script runs and finds its package.
  std::string cmd =
      "PYTHONPATH=" + (R / kSite).string() + " python3 " + (R / "usr/local/bin/good").string() + " a b 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  char line[256] = {};
  std::string out;
  while (fgets(line, sizeof line, p)) out += line;
  EXPECT_EQ(::pclose(p), 0) << out;
  EXPECT_EQ(out, "good main ['a', 'b']\n");
}

TEST(Install, PlatlibWheelGoesToPlatlib) {
  TempDir root;
  DirectorySink sink(root.path());
  auto layout = InterpreterLayout::debian("3.11");
  layout.platlib = "usr/lib/python3/platlib";
  ASSERT_TRUE(install_wheels({fixture("plat-2.0-cp311-cp311-linux_x86_64.whl")}, layout, sink).ok());
  EXPECT_TRUE(fs::exists(root.path() / "usr/lib/python3/platlib/plat/_native.so"));
  EXPECT_TRUE(fs::exists(root.path() / "usr/lib/python3/platlib/plat-2.0.dist-info/RECORD"));
  EXPECT_FALSE(fs::exists(root.path() / kSite / "plat"));
}

// The process runs in the "C" locale (nothing calls setlocale); a non-ASCII
// name must still come out of the zip, be checked against RECORD and land.
TEST(Install, NonAsciiFileNamesInstall) {
  TempDir root;
  DirectorySink sink(root.path());
  auto r = install_wheels({fixture("utf8names-1.0-py3-none-any.whl")}, InterpreterLayout::debian("3.11"), sink);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(slurp(root.path() / kSite / "utf8names/donn\u00e9es.txt"), "x\n");
  EXPECT_EQ(slurp(root.path() / kSite / "utf8names/\u65e5\u672c.py"), "N = 1\n");
  std::string record = slurp(root.path() / kSite / "utf8names-1.0.dist-info/RECORD");
  EXPECT_NE(record.find("utf8names/donn\u00e9es.txt,sha256="), std::string::npos) << record;
}

TEST(Install, SameOrderAndBytesEveryTimeDirsFirst) {
  auto layout = InterpreterLayout::debian("3.11");
  RecordingSink a, b;
  std::vector<fs::path> wheels = {fixture("good-1.0-py3-none-any.whl"), fixture("dep-1.5-py3-none-any.whl")};
  ASSERT_TRUE(install_wheels(wheels, layout, a).ok());
  std::vector<fs::path> reversed(wheels.rbegin(), wheels.rend());
  ASSERT_TRUE(install_wheels(reversed, layout, b).ok());
  ASSERT_EQ(a.items.size(), b.items.size());
  std::set<std::string> dirs;
  for (size_t i = 0; i < a.items.size(); ++i) {
    EXPECT_EQ(a.items[i].entry.path, b.items[i].entry.path);
    EXPECT_EQ(a.items[i].content, b.items[i].content);
    const std::string& path = a.items[i].entry.path;
    if (a.items[i].entry.type == InstallEntry::Type::dir)
      dirs.insert(path);
    else
      EXPECT_TRUE(dirs.count(path.substr(0, path.rfind('/')))) << path << " came before its directory";
  }
  // dep sorts before good; each wheel ends with its RECORD.
  EXPECT_EQ(a.items.back().entry.path, kSite + "/good-1.0.dist-info/RECORD");
  EXPECT_EQ(a.items.front().entry.path, "usr");
}

TEST(Install, TwoWheelsSamePathNamesBoth) {
  RecordingSink sink;
  auto r = install_wheels({fixture("good-1.0-py3-none-any.whl"), fixture("clash-1.0-py3-none-any.whl")},
                          InterpreterLayout::debian("3.11"), sink);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "clash-1.0-py3-none-any.whl and good-1.0-py3-none-any.whl both install " + kSite +
                                     "/good/core.py (expected each path from one wheel)");
  EXPECT_TRUE(sink.items.empty()) << "nothing may reach the sink before conflicts are ruled out";
}

TEST(Install, CorruptEntryNeverLandsOnDisk) {
  TempDir root;
  DirectorySink sink(root.path());
  auto r = install_wheels({fixture("hashmismatch-1.0-py3-none-any.whl")}, InterpreterLayout::debian("3.11"), sink);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("does not match RECORD"), std::string::npos) << r.error().message();
  EXPECT_FALSE(fs::exists(root.path() / kSite / "hashmismatch/__init__.py"));
  for (auto& f : fs::recursive_directory_iterator(root.path()))
    EXPECT_EQ(f.path().filename().string().find(".tmp-"), std::string::npos) << f.path();
}

TEST(Install, DirectorySinkRefusesSymlinkEscape) {
  TempDir root, outside;
  fs::create_directories(root.path() / "usr");
  fs::create_directory_symlink(outside.path(), root.path() / "usr/local");
  DirectorySink sink(root.path());
  auto r = install_wheels({fixture("dep-1.5-py3-none-any.whl")}, InterpreterLayout::debian("3.11"), sink);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("outside the install root"), std::string::npos) << r.error().message();
  EXPECT_TRUE(fs::is_empty(outside.path()));
}

}  // namespace
}  // namespace dl::wheel
