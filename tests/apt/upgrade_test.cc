// A requested package that upgrades one of the base's: what the new version
// no longer ships is deleted, as dpkg deletes it, so the image holds no
// stale files and dpkg inside it verifies clean. In a layer that is a
// whiteout (`.wh.`) per removed path or subtree; in a directory, an unlink.
// Conffiles stay, marked obsolete, as dpkg keeps them.
#include <gtest/gtest.h>

#include "base/fs.h"
#include "base/strings.h"
#include "builder/apt/sources.h"
#include "builder/layout/layout_store.h"
#include "builder/layout/store_image.h"
#include "builder/pipeline/deb_install.h"
#include "tests/apt/build_fixture.h"
#include "tests/support/process.h"

namespace dl::pipeline {
namespace {

using build_os::archive;
using build_os::Fixture;
using build_os::has;
using build_os::layer_paths;
using test::FakeDeb;

FakeDeb tool2(int version) {
  FakeDeb d("Package: tool2\nVersion: " + std::to_string(version) + "\nArchitecture: amd64\nDepends: libc6\n",
            {{"usr/bin/tool2", "#!/bin/sh\necho v" + std::to_string(version) + "\n"},
             {"usr/share/tool2/kept", "kept"},
             {"etc/tool2.conf", "v" + std::to_string(version)}});
  if (version == 1) {
    d.files["usr/share/tool2/gone"] = "stale";
    d.files["usr/share/tool2-data/only"] = "a directory only v1 has";
    d.files["usr/bin/tool2-old"] = "-> tool2";  // a symlink v2 dropped
    d.files["lib/tool2/plugin.so"] = "through lib -> usr/lib";
    d.files["etc/tool2-old.conf"] = "a conffile v2 dropped";
    d.files["DEBIAN/conffiles"] = "/etc/tool2.conf\n/etc/tool2-old.conf\n";
    d.files["DEBIAN/postrm"] = "#!/bin/sh\nexit 0\n";
  } else {
    d.files["DEBIAN/conffiles"] = "/etc/tool2.conf\n";
  }
  return d;
}

std::vector<FakeDeb> with(FakeDeb extra) {
  auto debs = archive();
  debs.push_back(std::move(extra));
  return debs;
}

// Unpacks the image's layers in order into `root`, applying whiteouts as a
// container runtime does (OCI image-spec "Applying Changesets").
void unpack_image(const layout::Layout& l, const std::string& ref, const fs::path& root) {
  auto img = layout::read_image(*std::make_unique<layout::LayoutStore>(l), ref);
  ASSERT_TRUE(img.ok()) << img.error().message();
  for (const auto& d : img->manifest.layers) {
    std::string blob = (l.root() / "blobs" / "sha256" / d.digest.hex).string();
    auto list = test::run({"tar", "-tzf", blob});
    ASSERT_TRUE(list.ok() && list->ok());
    for (const auto& raw : split(list->out, '\n')) {
      std::string p = raw.starts_with("./") ? raw.substr(2) : raw;
      auto slash = p.rfind('/');
      std::string base = slash == std::string::npos ? p : p.substr(slash + 1);
      if (!base.starts_with(".wh.")) continue;
      ASSERT_NE(base, ".wh..wh..opq") << "not made here";
      fs::remove_all(root / (slash == std::string::npos ? "" : p.substr(0, slash)) / base.substr(4));
    }
    auto x = test::run({"tar", "-xzf", blob, "-C", root.string(), "--exclude=.wh.*"});
    ASSERT_TRUE(x.ok() && x->ok()) << (x.ok() ? x->describe() : x.error().message());
  }
}

std::string run_out(const std::vector<std::string>& argv) {
  auto r = test::run(argv);
  if (!r.ok()) return "error: " + r.error().message();
  return r->out + r->err + (r->ok() ? "" : " (" + r->describe() + ")");
}

TEST(Upgrade, ALayerWhitesOutWhatTheNewVersionNoLongerShips) {
  Fixture f(with(tool2(1)));
  f.write("scratch", "python3, tool2");
  ASSERT_TRUE(f.build().ok());
  fs::path first = f.dir.path() / "first";
  fs::rename(f.out(), first);
  // The archive moves on: tool2 2 drops files, a directory, a symlink, a
  // conffile and its postrm.
  f.serve(with(tool2(2)));
  f.write("test/app:1", "tool2");
  auto r = f.build({"oci:" + first.string()});
  ASSERT_TRUE(r.ok()) << r.error().message();
  const auto& layers = r->cells[0].layers;
  ASSERT_EQ(layers.size(), 2u);
  auto l = layout::Layout::open(f.out()).value();
  auto paths = layer_paths(l, layers[1].descriptor);
  for (const char* wh : {"usr/share/tool2/.wh.gone", "usr/share/.wh.tool2-data", "usr/bin/.wh.tool2-old",
                         "usr/lib/.wh.tool2", "var/lib/dpkg/info/.wh.tool2.postrm"})
    EXPECT_TRUE(has(paths, wh)) << wh << " in\n" << join(paths, "\n");
  // One whiteout per removed subtree; nothing still shipped, kept or shared
  // (the merged-/usr lib -> usr/lib the package unpacked through) is deleted.
  for (const char* no : {"usr/share/tool2-data/.wh.only", "usr/share/tool2/.wh.kept", "etc/.wh.tool2-old.conf",
                         "etc/.wh.tool2.conf", "usr/bin/.wh.tool2", ".wh.lib", "usr/.wh.lib"})
    EXPECT_FALSE(has(paths, no)) << no;

  TempDir root("dl-upgrade-root");
  unpack_image(l, "test/app:1", root.path());
  for (const char* gone : {"usr/share/tool2/gone", "usr/share/tool2-data", "usr/bin/tool2-old", "usr/lib/tool2",
                           "var/lib/dpkg/info/tool2.postrm"})
    EXPECT_FALSE(fs::exists(fs::symlink_status(root.path() / gone))) << gone;
  for (const char* kept : {"usr/bin/tool2", "usr/share/tool2/kept", "etc/tool2.conf", "etc/tool2-old.conf"})
    EXPECT_TRUE(fs::exists(root.path() / kept)) << kept;
  EXPECT_EQ(*read_file(root.path() / "usr/bin/tool2"), "#!/bin/sh\necho v2\n");
  // dpkg agrees: tool2 2 installed, its obsolete conffile recorded, every
  // file it lists present and unmodified.
  std::string status = *read_file(root.path() / "var/lib/dpkg/status");
  EXPECT_NE(status.find(" /etc/tool2-old.conf "), std::string::npos) << status;
  EXPECT_NE(status.find(" obsolete\n"), std::string::npos) << status;
  std::string admindir = "--admindir=" + (root.path() / "var/lib/dpkg").string();
  EXPECT_EQ(run_out({"dpkg-query", admindir, "-W", "-f=${Version} ${db:Status-Abbrev}", "tool2"}), "2 ii ");
  EXPECT_EQ(run_out({"dpkg", "--root=" + root.path().string(), "--audit"}), "");
  EXPECT_EQ(run_out({"dpkg", "--root=" + root.path().string(), "-V"}), "");
}

TEST(Upgrade, ADirectoryInstallDeletesWhatTheNewVersionNoLongerShips) {
  Fixture f(with(tool2(1)));
  TempDir root("dl-upgrade-dir");
  auto install = [&](const std::string& pkgs) -> Status {
    DirInstallRequest req;
    req.root = root.path().string();
    DL_ASSIGN_OR_RETURN(req.sources, apt::load_sources_file(f.repo->sources_file().string()));
    req.resolve.arch = "amd64";
    for (const auto& p : split(pkgs, ' ')) req.resolve.packages.push_back(*apt::parse_package_spec(p));
    req.fetch.cache_dir = (f.dir.path() / "cache").string();
    req.fetch.arch = "amd64";
    DL_TRY(install_into_directory(req));
    return {};
  };
  ASSERT_TRUE(install("python3 tool2").ok());
  ASSERT_TRUE(fs::exists(root.path() / "usr/share/tool2/gone"));
  f.serve(with(tool2(2)));
  auto st = install("tool2");
  ASSERT_TRUE(st.ok()) << st.error().message();
  for (const char* gone : {"usr/share/tool2/gone", "usr/share/tool2-data", "usr/bin/tool2-old", "usr/lib/tool2",
                           "var/lib/dpkg/info/tool2.postrm"})
    EXPECT_FALSE(fs::exists(fs::symlink_status(root.path() / gone))) << gone;
  EXPECT_TRUE(fs::exists(root.path() / "usr/share/tool2/kept"));
  EXPECT_TRUE(fs::exists(root.path() / "etc/tool2-old.conf"));
  EXPECT_EQ(run_out({"dpkg", "--root=" + root.path().string(), "--audit"}), "");
  EXPECT_EQ(run_out({"dpkg", "--root=" + root.path().string(), "-V"}), "");
}

}  // namespace
}  // namespace dl::pipeline
