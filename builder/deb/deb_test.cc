// builder/deb against the real tools: packages built with dpkg-deb, hostile
// ones crafted by tests/fixtures/debs/craft_deb.py, and dpkg itself
// (`dpkg --root --audit`, `dpkg --root -V`) as the oracle for the database.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "base/fs.h"
#include "builder/deb/base_scan.h"
#include "builder/deb/deb822.h"
#include "builder/deb/deb_file.h"
#include "builder/deb/deb_test_util.h"
#include "builder/deb/installer.h"
#include "builder/deb/scripts.h"
#include "builder/layer/layer_writer.h"

namespace dl::deb {
namespace {

using testing::put;
using testing::run;
using testing::sh;

// A package built by dpkg-deb from `files` (path -> content) plus DEBIAN/ members.
fs::path build_deb(const fs::path& work, const std::string& pkg, const std::map<std::string, std::string>& files,
                   const std::map<std::string, std::string>& debian = {}, const std::string& extra_control = "") {
  fs::path dir = work / ("src-" + pkg);
  fs::remove_all(dir);
  put(dir / "DEBIAN/control", "Package: " + pkg +
                                  "\nVersion: 1.0-1\nArchitecture: all\nMaintainer: T <t@example.org>\n" +
                                  extra_control + "Description: test package\n more text\n");
  for (const auto& [k, v] : debian) put(dir / "DEBIAN" / k, v, k.ends_with("inst") ? fs::perms(0755) : fs::perms(0644));
  for (const auto& [path, content] : files) {
    if (content.starts_with("->")) {
      fs::create_directories((dir / path).parent_path());
      fs::create_symlink(content.substr(2), dir / path);
    } else {
      put(dir / path, content);
    }
  }
  std::string md5 = "cd " + dir.string() +
                    " && find . -path ./DEBIAN -prune -o -type f -printf '%P\\0' | xargs -0r md5sum > DEBIAN/md5sums";
  EXPECT_EQ(sh(md5), 0);
  fs::path out = work / (pkg + ".deb");
  EXPECT_EQ(sh("dpkg-deb --root-owner-group -Zgzip -b " + dir.string() + " " + out.string() + " >/dev/null"), 0);
  return out;
}

TEST(Deb822, RoundTripsFieldsAndContinuations) {
  std::string text =
      "Package: a\nVersion: 1\nDescription: x\n y\n .\n z\n\n\nPackage: b\nStatus: install ok installed\n";
  auto p = parse_deb822(text, "status");
  ASSERT_TRUE(p.ok()) << p.error().message();
  ASSERT_EQ(p->size(), 2u);
  EXPECT_EQ((*p)[0].get("description"), "x\n y\n .\n z");
  EXPECT_EQ(render((*p)[0]), "Package: a\nVersion: 1\nDescription: x\n y\n .\n z\n");
  auto bad = parse_deb822("Package: a\nnot a field\n", "status");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "status:2: expected 'Field: value', got 'not a field'");
}

TEST(Alternatives, ParsesInstallWithSlaves) {
  auto a = parse_alternatives(
      "if true; then\n  update-alternatives --install /usr/bin/awk awk /usr/bin/mawk 5 \\\n"
      "    --slave /usr/share/man/man1/awk.1.gz awk.1.gz /usr/share/man/man1/mawk.1.gz\nfi\n");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].link, "/usr/bin/awk");
  EXPECT_EQ(a[0].priority, 5);
  ASSERT_EQ(a[0].slaves.size(), 1u);
  EXPECT_EQ(a[0].slaves[0].name, "awk.1.gz");
}

TEST(Tree, ResolvesThroughDirectorySymlinksInsideTheRoot) {
  Tree t;
  t.put("lib", {layer::EntryType::symlink, "usr/lib", ""});
  t.put("usr/lib", {layer::EntryType::dir, "", ""});
  t.put("etc/abs", {layer::EntryType::symlink, "/../../usr/lib", ""});
  EXPECT_EQ(*t.resolve_parent("lib/x86_64-linux-gnu/libc.so.6", "libc6"), "usr/lib/x86_64-linux-gnu/libc.so.6");
  EXPECT_EQ(*t.resolve("etc/abs/foo"), "usr/lib/foo");  // ".." stops at the image root
  EXPECT_FALSE(Tree::target_path("etc/up", "../../tmp").ok());
}

struct DebInstall : ::testing::Test {
  TempDir work{"dl-deb"};
  fs::path mawk() {
    return build_deb(work.path(), "mawk",
                     {{"usr/bin/mawk", "#!/bin/sh\n"},
                      {"usr/share/man/man1/mawk.1.gz", "man"},
                      {"usr/share/doc/mawk/caf\xc3\xa9.txt", "UTF-8 name"},
                      {"etc/mawk.conf", "conf=1\n"},
                      {"lib/x86_64-linux-gnu/libm.so", "lib"}},
                     {{"conffiles", "/etc/mawk.conf\n"},
                      {"postinst",
                       "#!/bin/sh\nupdate-alternatives --install /usr/bin/awk awk /usr/bin/mawk 5 \\\n"
                       "  --slave /usr/share/man/man1/awk.1.gz awk.1.gz /usr/share/man/man1/mawk.1.gz\n"},
                      {"triggers", "activate-noawait ldconfig\n"}});
  }
};

TEST_F(DebInstall, DirectoryInstallIsWhatDpkgSees) {
  fs::path root = work.path() / "root";
  fs::create_directories(root / "var/lib/dpkg");
  std::vector<DebPackage> debs = {{mawk(), "mawk.deb"},
                                  {build_deb(work.path(), "hello", {{"usr/share/doc/hello/README", "hi\n"}},
                                             {{"triggers", "interest-noawait /usr/share/doc\n"}}),
                                   "hello.deb"}};
  DirTreeSink sink(root);
  BaseTree base;
  base.tree.set_fallback(sink.fallback());
  InstallOptions opts;
  opts.merged_usr = true;
  auto r = install_debs(debs, std::move(base), opts, sink);
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(r->packages.size(), 2u);
  EXPECT_EQ(r->packages[0].name, "hello");
  EXPECT_TRUE(fs::is_symlink(root / "lib"));
  EXPECT_TRUE(fs::exists(root / "usr/lib/x86_64-linux-gnu/libm.so"));
  EXPECT_EQ(fs::read_symlink(root / "usr/bin/awk"), "/etc/alternatives/awk");
  EXPECT_EQ(fs::read_symlink(root / "etc/alternatives/awk"), "/usr/bin/mawk");
  EXPECT_EQ(*read_file(root / "var/lib/dpkg/triggers/File"), "/usr/share/doc hello/noawait\n");
  std::string status = *read_file(root / "var/lib/dpkg/status");
  EXPECT_NE(status.find("Package: mawk\nStatus: install ok installed\n"), std::string::npos) << status;
  EXPECT_NE(status.find("Conffiles:\n /etc/mawk.conf "), std::string::npos) << status;
  EXPECT_EQ(*read_file(root / "var/lib/dpkg/info/mawk.list").value().substr(0, 20).data(), '/');
  // dpkg itself: nothing half-installed, every file matches its md5sum.
  EXPECT_EQ(run("dpkg --root=" + root.string() + " --audit 2>&1"), "");
  EXPECT_EQ(run("dpkg --root=" + root.string() + " -V 2>&1"), "");
  EXPECT_EQ(run("dpkg-query --root=" + root.string() + " -W -f='${Package} ${Status}\\n'"),
            "hello install ok installed\nmawk install ok installed\n");
  // Installing again on top merges: the status keeps both and adds the new one.
  DirTreeSink sink2(root);
  BaseTree again;
  again.tree.set_fallback(sink2.fallback());
  again.status = *parse_deb822(status, "status");
  auto r2 = install_debs({{build_deb(work.path(), "extra", {{"usr/share/extra", "e"}}), "extra.deb"}}, std::move(again),
                         {}, sink2);
  ASSERT_TRUE(r2.ok()) << r2.error().message();
  EXPECT_EQ(run("dpkg-query --root=" + root.string() + " -W -f='${Package}\\n'"), "extra\nhello\nmawk\n");
  EXPECT_EQ(run("dpkg --root=" + root.string() + " --audit 2>&1"), "");
}

Result<std::string> layer_of(const std::vector<DebPackage>& debs, BaseTree base, const InstallOptions& opts) {
  layer::StringSink out;
  layer::LayerOptions lo;
  lo.compression.algorithm = layer::Compression::none;
  lo.normalize_modes = false;
  DL_ASSIGN_OR_RETURN(auto w, layer::LayerWriter::create(lo, &out));
  LayerTreeSink sink(*w);
  DL_TRY(install_debs(debs, std::move(base), opts, sink));
  DL_TRY(w->finish());
  return out.out;
}

TEST_F(DebInstall, LayerIsDeterministicAndScansBack) {
  fs::path deb = mawk();
  InstallOptions opts;
  opts.merged_usr = true;
  auto a = layer_of({{deb, "mawk.deb"}}, {}, opts);
  ASSERT_TRUE(a.ok()) << a.error().message();
  auto b = layer_of({{deb, "mawk.deb"}}, {}, opts);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*a, *b);
  fs::path tar = work.path() / "layer.tar";
  ASSERT_TRUE(write_file_atomic(tar, *a).ok());
  std::string listing = run("tar -tvf " + tar.string());
  EXPECT_NE(listing.find("usr/lib/x86_64-linux-gnu/libm.so"), std::string::npos) << listing;
  EXPECT_EQ(listing.find(" lib/x86_64-linux-gnu"), std::string::npos) << listing;
  // A second layer deleting the alternative: the scanner honours whiteouts.
  layer::StringSink out2;
  layer::LayerOptions lo;
  lo.compression.algorithm = layer::Compression::gzip;
  auto w = layer::LayerWriter::create(lo, &out2).value();
  ASSERT_TRUE(w->add_whiteout("usr/bin/awk").ok());
  ASSERT_TRUE(w->add_opaque_whiteout("etc/alternatives").ok());
  ASSERT_TRUE(w->finish().ok());
  BaseScanner scan;
  for (const std::string* blob : {&*a, &out2.out}) {
    size_t off = 0;
    layer::ReadFn r = [blob, off](char* buf, size_t n) mutable -> Result<size_t> {
      size_t k = std::min(n, blob->size() - off);
      std::copy_n(blob->data() + off, k, buf);
      off += k;
      return k;
    };
    ASSERT_TRUE(scan.add_layer(r, "layer").ok());
  }
  auto base = scan.finish();
  ASSERT_TRUE(base.ok()) << base.error().message();
  ASSERT_EQ(base->status.size(), 1u);
  EXPECT_EQ(base->status[0].get("Package"), "mawk");
  EXPECT_FALSE(base->tree.exists("usr/bin/awk"));
  EXPECT_FALSE(base->tree.exists("etc/alternatives/awk"));
  EXPECT_TRUE(resolve_file(base->tree, "/bin/mawk").ok());  // through bin -> usr/bin
  auto missing = resolve_file(base->tree, "/usr/bin/python3.6");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message(), "/usr/bin/python3.6 does not exist");
}

TEST_F(DebInstall, ScansLayersTarWroteWithDotEntries) {
  fs::path dir = work.path() / "tree";
  put(dir / "usr/bin/python3.11", "x");
  fs::create_symlink("python3.11", dir / "usr/bin/python3");
  fs::create_symlink("python3.11", dir / "usr/bin/\xc3\xa9");  // UTF-8 in a PAX header, as umoci writes
  fs::path tgz = work.path() / "l.tar.gz";
  // Entries "./", "./usr/", ...
  ASSERT_EQ(sh("tar --format=pax -czf " + tgz.string() + " -C " + dir.string() + " ."), 0);
  std::string blob = *read_file(tgz);
  size_t off = 0;
  layer::ReadFn r = [&blob, off](char* buf, size_t n) mutable -> Result<size_t> {
    size_t k = std::min(n, blob.size() - off);
    std::copy_n(blob.data() + off, k, buf);
    off += k;
    return k;
  };
  BaseScanner scan;
  auto s = scan.add_layer(r, "l.tar.gz");
  ASSERT_TRUE(s.ok()) << s.error().message();
  auto base = scan.finish();
  ASSERT_TRUE(base.ok());
  EXPECT_EQ(*resolve_file(base->tree, "/usr/bin/python3"), "usr/bin/python3.11");
  EXPECT_TRUE(base->tree.exists("usr/bin/\xc3\xa9"));
  EXPECT_TRUE(base->status.empty());
}

// A layer is read to its end, past the tar's end marker: the tar size is
// the whole stream (here padded to 1 MiB records, -b 2048), and a gzip
// trailer whose CRC is wrong fails the scan although every entry was read.
TEST_F(DebInstall, ScanReadsTheWholeLayerAndCountsItsTar) {
  fs::path dir = work.path() / "tree";
  put(dir / "usr/bin/python3.11", std::string(3000, 'x'));
  fs::path tgz = work.path() / "l.tar.gz", tzst = work.path() / "l.tar.zst";
  ASSERT_EQ(sh("tar -b 2048 -czf " + tgz.string() + " -C " + dir.string() + " usr"), 0);
  ASSERT_EQ(sh("tar -C " + dir.string() + " -cf - usr | zstd -q -o " + tzst.string()), 0);
  auto tar_size = std::stoull(run("gzip -dc " + tgz.string() + " | wc -c"));
  auto reader = [](const std::string& blob) {
    return layer::ReadFn([blob, off = size_t(0)](char* buf, size_t n) mutable -> Result<size_t> {
      size_t k = std::min(n, blob.size() - off);
      std::copy_n(blob.data() + off, k, buf);
      off += k;
      return k;
    });
  };
  std::string gz = *read_file(tgz);
  BaseScanner scan;
  auto n = scan.add_layer(reader(gz), "l.tar.gz");
  ASSERT_TRUE(n.ok()) << n.error().message();
  EXPECT_EQ(*n, tar_size);
  EXPECT_EQ(tar_size, 1u << 20) << "padded to a record";
  auto z = scan.add_layer(reader(*read_file(tzst)), "l.tar.zst");
  ASSERT_TRUE(z.ok()) << z.error().message();
  EXPECT_EQ(*z, 0u) << "zstd is undone inside libarchive: not counted";

  std::string bad = gz;
  bad[bad.size() - 8] ^= 0x55;  // the trailer's CRC32
  BaseScanner again;
  auto crc = again.add_layer(reader(bad), "bad.tar.gz");
  ASSERT_FALSE(crc.ok());
  EXPECT_NE(crc.error().message().find("bad.tar.gz"), std::string::npos) << crc.error().message();
}

TEST_F(DebInstall, UnknownMaintainerScriptIsRefusedUnlessAllowed) {
  fs::path deb = build_deb(work.path(), "weird", {{"usr/share/w", "w"}}, {{"postinst", "#!/bin/sh\nuseradd x\n"}});
  auto r = layer_of({{deb, "http://deb.example/weird_1.0-1_all.deb"}}, {}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(),
            "http://deb.example/weird_1.0-1_all.deb: package weird 1.0-1 has a postinst script whose effects dlimage "
            "does not reproduce; review it and add 'weird/postinst' (or 'weird') to the recipe's apt.allow_scripts "
            "to install it without running it");
  InstallOptions opts;
  opts.allow_scripts = {"weird/postinst"};
  EXPECT_TRUE(layer_of({{deb, "weird.deb"}}, {}, opts).ok());
  // dh_makeshlibs' ldconfig-only postinst (xenial's shared libraries) is
  // known to need nothing; one more command in it and it is not.
  std::string dh =
      "#!/bin/sh\nset -e\n# Automatically added by dh_makeshlibs\nif [ \"$1\" = \"configure\" ]; then\n"
      "\tldconfig\nfi\n# End automatically added section\n";
  fs::path lib = build_deb(work.path(), "libx1", {{"usr/lib/x86_64-linux-gnu/libx.so.1", "ELF"}}, {{"postinst", dh}});
  EXPECT_TRUE(layer_of({{lib, "libx1.deb"}}, {}, {}).ok());
  fs::path more = build_deb(work.path(), "liby1", {{"usr/lib/x86_64-linux-gnu/liby.so.1", "ELF"}},
                            {{"postinst", dh + "touch /etc/y\n"}});
  auto refused = layer_of({{more, "liby1.deb"}}, {}, {});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("package liby1 1.0-1 has a postinst script"), std::string::npos)
      << refused.error().message();
}

TEST_F(DebInstall, HostileAndBrokenPackagesAreOneClearError) {
  std::string craft = std::string(DL_SOURCE_DIR) + "/tests/fixtures/debs/craft_deb.py ";
  auto err = [&](const std::string& kind) {
    fs::path deb = work.path() / (kind + ".deb");
    EXPECT_EQ(sh(craft + deb.string() + " evil-" + kind + " " + kind), 0);
    auto r = layer_of({{deb, "evil-" + kind + ".deb"}}, {}, {});
    return r.ok() ? std::string("ok") : r.error().message();
  };
  EXPECT_EQ(err("dotdot"), "evil-dotdot.deb: path './etc/../../evil' in data.tar climbs out with '..'");
  EXPECT_EQ(err("absolute"), "evil-absolute.deb: absolute path '/etc/passwd' in data.tar");
  EXPECT_EQ(err("slip"),
            "evil-slip.deb (evil-slip): 'etc/link/evil' would be written through the package's own symlink "
            "'etc/link' -> '/tmp'");
  EXPECT_EQ(err("escape"),
            "evil-escape.deb (evil-escape): symlink 'etc/up' -> '../../../../tmp' points outside the tree");
  // Truncated: a real package cut short.
  fs::path good = mawk();
  std::string bytes = *read_file(good);
  fs::path cut = work.path() / "cut.deb";
  ASSERT_TRUE(write_file_atomic(cut, bytes.substr(0, bytes.size() - 200)).ok());
  auto r = layer_of({{cut, "mawk_1.0-1_all.deb"}}, {}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().message().starts_with("mawk_1.0-1_all.deb: truncated or corrupt")) << r.error().message();
  ASSERT_TRUE(write_file_atomic(cut, "!<arch>\n").ok());
  r = layer_of({{cut, "empty.deb"}}, {}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "empty.deb: no control.tar member (truncated .deb?)");
}

}  // namespace
}  // namespace dl::deb
