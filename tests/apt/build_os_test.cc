// `dlimage build` with OS packages, against a real signed apt repository on
// loopback (dpkg-deb, apt-ftparchive, gpg): a cell on a `scratch` base gets
// the Essential set plus its requested packages as one layer, a cell on an
// image gets only what that image's dpkg status lacks, and the layer is the
// same bytes on every rebuild. The real dpkg reads the merged database.
#include <gtest/gtest.h>

#include <algorithm>

#include "base/fs.h"
#include "base/sha256.h"
#include "base/strings.h"
#include "builder/layout/layout.h"
#include "builder/layout/layout_store.h"
#include "builder/layout/store_image.h"
#include "builder/pipeline/build.h"
#include "tests/apt/build_fixture.h"
#include "tests/support/process.h"

namespace dl::pipeline {
namespace {

using build_os::archive;
using build_os::Fixture;
using build_os::has;
using build_os::layer_paths;

TEST(BuildOs, ScratchBaseIsTheEssentialSetPlusTheRequestAsOneLayer) {
  Fixture f;
  f.write("scratch", "python3");
  auto r = f.build();
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(r->cells.size(), 1u);
  const auto& layers = r->cells[0].layers;
  ASSERT_EQ(layers.size(), 1u) << "no base layers, no wheels: only the OS-package layer";
  EXPECT_EQ(layers[0].kind, "os-packages");
  auto l = layout::Layout::open(f.out()).value();
  auto paths = layer_paths(l, layers[0].descriptor);
  // Merged-/usr (usr-is-merged is Essential), python3 -> python3.11 (the
  // interpreter check followed it), Recommends not installed.
  EXPECT_TRUE(has(paths, "bin -> usr/bin"));
  EXPECT_TRUE(has(paths, "usr/bin/python3 -> python3.11"));
  EXPECT_TRUE(has(paths, "usr/lib/x86_64-linux-gnu/libc.so.6"));
  EXPECT_TRUE(has(paths, "etc/debian_version"));
  EXPECT_TRUE(has(paths, "var/lib/dpkg/status"));
  EXPECT_TRUE(has(paths, "var/lib/dpkg/info/python3.list"));
  EXPECT_FALSE(has(paths, "usr/lib/x86_64-linux-gnu/libgomp.so.1"));

  // A rebuild from a fresh layout is the same bytes, down to the manifest.
  auto first = r->cells[0].manifest.digest;
  fs::remove_all(f.out());
  auto again = f.build();
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(again->cells[0].manifest.digest, first);
}

TEST(BuildOs, OnAnImageOnlyWhatItsDpkgStatusLacks) {
  Fixture f;
  f.write("scratch", "python3");
  ASSERT_TRUE(f.build().ok());
  // The first image is the second build's base, found in its layout.
  fs::path first = f.dir.path() / "first";
  fs::rename(f.out(), first);
  f.write("test/app:1", "tool, libgomp1");
  auto r = f.build({"oci:" + first.string()});
  ASSERT_TRUE(r.ok()) << r.error().message();
  const auto& layers = r->cells[0].layers;
  ASSERT_EQ(layers.size(), 2u);
  EXPECT_EQ(layers[0].kind, "base");
  EXPECT_EQ(layers[1].kind, "os-packages");
  auto l = layout::Layout::open(f.out()).value();
  auto paths = layer_paths(l, layers[1].descriptor);
  EXPECT_TRUE(has(paths, "usr/bin/tool"));
  // ./lib/... lands in usr/lib through the base's lib -> usr/lib.
  EXPECT_TRUE(has(paths, "usr/lib/x86_64-linux-gnu/libgomp.so.1"));
  EXPECT_FALSE(has(paths, "usr/bin/python3.11")) << "already in the base";
  EXPECT_FALSE(has(paths, "var/lib/dpkg/info/libc6:amd64.list"));

  // Unpacked in order, dpkg itself sees both images' packages installed.
  TempDir root("dl-build-os-root");
  auto img = layout::read_image(*std::make_unique<layout::LayoutStore>(l), "test/app:1");
  ASSERT_TRUE(img.ok()) << img.error().message();
  for (const auto& d : img->manifest.layers) {
    auto run =
        test::run({"tar", "-xzf", (l.root() / "blobs" / "sha256" / d.digest.hex).string(), "-C", root.path().string()});
    ASSERT_TRUE(run.ok() && run->ok());
  }
  auto q = test::run({"dpkg-query", "--admindir=" + (root.path() / "var/lib/dpkg").string(), "-W",
                      "-f=${Package} ${Version} ${db:Status-Abbrev}\\n"});
  ASSERT_TRUE(q.ok() && q->ok()) << (q.ok() ? q->describe() : q.error().message());
  for (const char* want : {"python3 3.11.2-1 ii ", "tool 1 ii ", "libgomp1 12.2.0-14 ii ", "base-files 12.4 ii "})
    EXPECT_NE(q->out.find(want), std::string::npos) << want << " in\n" << q->out;
  auto audit = test::run({"dpkg", "--root=" + root.path().string(), "--audit"});
  ASSERT_TRUE(audit.ok());
  EXPECT_TRUE(audit->ok() && audit->out.empty()) << audit->describe() << audit->out;
}

TEST(BuildOs, TheLockRecordsEveryDebAndRebuildsWithoutTheNetwork) {
  Fixture f;
  f.write("scratch", "python3");
  std::string lock = (f.dir.path() / "dlimage.lock").string();
  auto r = f.build({}, lock);
  ASSERT_TRUE(r.ok()) << r.error().message();
  auto text = read_file(lock);
  ASSERT_TRUE(text.ok());
  // One line per .deb, with its identity and digest; the InRelease digest.
  size_t python3_lines = 0;
  for (const auto& line : split(*text, '\n'))
    if (line.find("\"name\": \"python3\"") != std::string::npos ||
        line.find("\"name\":\"python3\"") != std::string::npos) {
      ++python3_lines;
      for (const char* k : {"\"version\"", "\"arch\"", "\"filename\"", "\"size\"", "\"sha256\"", "\"url\""})
        EXPECT_NE(line.find(k), std::string::npos) << k << " in " << line;
    }
  EXPECT_EQ(python3_lines, 1u) << *text;
  EXPECT_NE(text->find("/dists/stable/InRelease"), std::string::npos) << *text;
  auto digest = r->cells[0].manifest.digest;

  // The repository is gone (server and key): lock + cache are enough, and
  // the image is the same bytes.
  f.repo.reset();
  fs::remove_all(f.out());
  auto again = f.build({}, lock);
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(again->cells[0].manifest.digest, digest);
  EXPECT_EQ(*read_file(lock), *text) << "a replay does not rewrite the lock";

  // A changed request is resolved again, which now needs the repository.
  f.write("scratch", "python3, libgomp1");
  auto changed = f.build({}, lock);
  ASSERT_FALSE(changed.ok());
  EXPECT_NE(changed.error().message().find("InRelease"), std::string::npos) << changed.error().message();
}

TEST(BuildOs, AnUnlistedMaintainerScriptStopsTheBuildUnlessAcknowledged) {
  Fixture f;
  f.write("scratch", "scripted");
  auto r = f.build();
  ASSERT_FALSE(r.ok());
  // Refused before any layer is written, naming the image, the .deb and the script.
  EXPECT_TRUE(starts_with(r.error().message(), "test/app:1: http://")) << r.error().message();
  EXPECT_NE(r.error().message().find("package scripted 1 has a postinst script"), std::string::npos)
      << r.error().message();
  EXPECT_NE(r.error().message().find("postinst"), std::string::npos) << r.error().message();
  EXPECT_EQ(r.error().message().find('\n'), std::string::npos) << "one line: " << r.error().message();
  f.write("scratch", "scripted, python3", "  allow_scripts: [scripted/postinst]\n");
  auto ok = f.build();
  ASSERT_TRUE(ok.ok()) << ok.error().message();
}

TEST(BuildOs, BadRequestsAreOneLineNamingTheCellAndPackage) {
  Fixture f;
  f.write("scratch", "python3, broken");
  auto r = f.build();
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(starts_with(r.error().message(), "test/app:1: ")) << r.error().message();
  EXPECT_NE(r.error().message().find("libc6 >= 3.0"), std::string::npos) << r.error().message();
  f.write("scratch", "pyhton3");
  r = f.build();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("unknown package 'pyhton3'; did you mean 'python3'?"), std::string::npos)
      << r.error().message();
  // Nothing was tagged in the layout.
  auto l = layout::Layout::open(f.out());
  if (l.ok()) {
    auto idx = read_file(f.out() / "index.json");
    EXPECT_EQ(idx->find("test/app:1"), std::string::npos);
  }
}

// A mirror serving a .deb that is not the one its signed index lists: one
// line naming the URL and both digests, and nothing of it in the cache.
TEST(BuildOs, ADebThatDoesNotMatchItsIndexIsRefused) {
  Fixture f;
  fs::path deb = f.repo->root() / "pool" / "main" / "python3_3.11.2-1.deb";
  auto bytes = read_file(deb);
  ASSERT_TRUE(bytes.ok());
  std::string swapped = *bytes;
  swapped[swapped.size() / 2] ^= 1;
  ASSERT_TRUE(write_file_atomic(deb, swapped).ok());
  f.write("scratch", "python3");
  auto r = f.build();
  ASSERT_FALSE(r.ok());
  const std::string& m = r.error().message();
  EXPECT_TRUE(starts_with(m, "test/app:1: ")) << m;
  EXPECT_NE(m.find(f.uri + "/pool/main/python3_3.11.2-1.deb"), std::string::npos) << m;
  EXPECT_NE(m.find(Sha256::hex(swapped)), std::string::npos) << m;
  EXPECT_FALSE(fs::exists(f.dir.path() / "cache" / "sha256" / Sha256::hex(swapped)));
  EXPECT_EQ(m.find('\n'), std::string::npos) << m;
}

// A correctly signed repository whose index lists a hostile or corrupt
// .deb (the digest matches: only the content is bad; a truncated one is
// refused by digest, ADebThatDoesNotMatchItsIndexIsRefused, and by the
// reader, deb_test.cc). The build stops with
// one line naming the cell and the package's URL, and leaves nothing: no
// tag, no layer blob, no temp file in the layout.
TEST(BuildOs, AHostileOrTruncatedDebThatMatchesItsIndexLeavesNothing) {
  std::string craft = std::string(DL_SOURCE_DIR) + "/tests/fixtures/debs/craft_deb.py ";
  struct Case {
    std::string kind, package, message;
  };
  for (const Case& c : {Case{"dotdot", "evil-dotdot", "path './etc/../../evil' in data.tar climbs out with '..'"},
                        Case{"slip", "evil-slip", "would be written through the package's own symlink 'etc/link'"},
                        Case{"corrupt", "python3", "truncated or corrupt"}}) {
    SCOPED_TRACE(c.kind);
    Fixture f;
    fs::path pool = f.repo->root() / "pool" / "main";
    std::string file = c.kind == "corrupt" ? "python3_3.11.2-1.deb" : c.package + "_1.0.deb";
    if (c.kind == "corrupt") {
      // data.tar.gz, the last member, damaged where apt-ftparchive (which
      // reads the control member) does not look.
      auto bytes = read_file(pool / file);
      ASSERT_TRUE(bytes.ok());
      std::string broken = *bytes;
      for (size_t i = broken.size() - 40; i < broken.size() - 8; ++i) broken[i] = char(~broken[i]);
      ASSERT_TRUE(write_file_atomic(pool / file, broken).ok());
    } else {
      auto r = test::run({"sh", "-c", craft + (pool / file).string() + " " + c.package + " " + c.kind});
      ASSERT_TRUE(r.ok() && r->ok());
    }
    f.repo->reindex();
    f.write("scratch", c.kind == "corrupt" ? "python3" : "python3, " + c.package);
    auto r = f.build();
    ASSERT_FALSE(r.ok());
    const std::string& m = r.error().message();
    EXPECT_TRUE(starts_with(m, "test/app:1: ")) << m;
    EXPECT_NE(m.find(f.uri + "/pool/main/" + file), std::string::npos) << m;
    EXPECT_NE(m.find(c.message), std::string::npos) << m;
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
    std::vector<std::string> left;
    if (fs::exists(f.out()))
      for (const auto& e : fs::recursive_directory_iterator(f.out()))
        if (e.is_regular_file() && e.path().filename() != "oci-layout" && e.path().filename() != "index.json" &&
            e.path().filename() != "index.json.lock")
          left.push_back(fs::relative(e.path(), f.out()).string());
    EXPECT_TRUE(left.empty()) << join(left, ", ");
    if (fs::exists(f.out() / "index.json")) {
      EXPECT_EQ(read_file(f.out() / "index.json")->find("test/app"), std::string::npos);
    }
  }
}

// apt: sections without sources read the apt configuration of --etc-apt
// (default /etc/apt, as `dlimage deb` does), checked by --apt-verifier.
TEST(BuildOs, WithoutSourcesTheAptConfigurationOfEtcAptIsUsed) {
  Fixture f;
  f.write("scratch", "python3");
  std::string m = *read_file(f.matrix());
  auto a = m.find("    apt:\n"), b = m.find("\npythons:\n");
  ASSERT_TRUE(a != std::string::npos && b != std::string::npos) << m;
  ASSERT_TRUE(write_file_atomic(f.matrix(), m.substr(0, a) + m.substr(b + 1)).ok());
  fs::path etc = f.dir.path() / "etc-apt";
  ASSERT_TRUE(ensure_dir(etc / "sources.list.d").ok());
  ASSERT_TRUE(write_file_atomic(etc / "sources.list.d" / "test.list",
                                "deb [signed-by=" + f.keyring + "] " + f.uri + " stable main\n")
                  .ok());
  f.etc_apt = etc.string();
  for (const char* verifier : {"gpgv", "sqv"}) {
    f.apt_verifier = verifier;
    fs::remove_all(f.out());
    fs::remove_all(f.dir.path() / "cache");
    auto r = f.build();
    ASSERT_TRUE(r.ok()) << verifier << ": " << r.error().message();
    EXPECT_EQ(r->cells[0].layers.size(), 1u);
  }
  // An empty configuration: no sources at all is an error naming the image.
  ASSERT_TRUE(write_file_atomic(etc / "sources.list.d" / "test.list", "").ok());
  fs::remove_all(f.out());
  auto r = f.build();
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(starts_with(r.error().message(), "test/app:1: ")) << r.error().message();
}

TEST(BuildOs, AMissingInterpreterIsStillAnError) {
  Fixture f;
  f.write("scratch", "libgomp1");  // no python3
  auto r = f.build();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("interpreter /usr/bin/python3"), std::string::npos) << r.error().message();
}

}  // namespace
}  // namespace dl::pipeline
