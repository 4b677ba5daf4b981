// Parsers: control paragraphs, dpkg status, sources (both syntaxes, and the
// machine's /etc/apt layout), the apt: YAML schema, Release files.
#include <gtest/gtest.h>

#include "base/fs.h"
#include "base/strings.h"
#include "builder/apt/fetch.h"
#include "builder/apt/lock.h"
#include "builder/apt/sources.h"
#include "builder/apt/spec.h"
#include "builder/apt/status.h"
#include "builder/deb/deb822.h"

namespace dl::apt {
namespace {

TEST(Control, ParagraphsContinuationsAndLines) {
  auto r = deb::parse_deb822("Package: a\nDescription: x\n more\n .\n end\n\n\nPackage: b\nVersion: 1\n", "P");
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].folded("description"), "x\nmore\n\nend");
  EXPECT_EQ((*r)[0].get("description"), "x\n more\n .\n end");
  EXPECT_EQ((*r)[1].line, 8);
  EXPECT_EQ((*r)[1].get("VERSION"), "1");
  auto bad = deb::parse_deb822("Package: a\nbroken line\n", "Packages");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message().rfind("Packages:2: ", 0), 0u) << bad.error().message();
  EXPECT_FALSE(deb::parse_deb822(" leading\n", "f").ok());
  EXPECT_FALSE(deb::parse_deb822("A: 1\n\nB: 2\n\nC: 3\n", "f", {.max_paragraphs = 2}).ok());
}

TEST(Status, KeepsPresentPackagesAndTheirText) {
  std::string text =
      "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nMulti-Arch: same\nVersion: 2.36-9\n\n"
      "Package: gone\nStatus: deinstall ok config-files\nArchitecture: amd64\nVersion: 1\n\n"
      "Package: dash\nEssential: yes\nStatus: install ok installed\nArchitecture: amd64\nVersion: 0.5.12-2\n";
  auto r = parse_status(text);
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].name, "libc6");
  EXPECT_EQ((*r)[0].multi_arch, "same");
  EXPECT_TRUE((*r)[1].essential);
  EXPECT_EQ((*r)[1].paragraph.rfind("Package: dash\n", 0), 0u);
  auto bad = parse_status("Status: install ok installed\nVersion: 1\n", "base/status");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("base/status:1"), std::string::npos) << bad.error().message();
}

TEST(Sources, Deb822) {
  auto r = parse_deb822_sources(
      "Types: deb deb-src\nURIs: http://h/debian/\nSuites: bookworm bookworm-updates\nComponents: main contrib\n"
      "Signed-By: /usr/share/keyrings/k.gpg\n\n"
      "Types: deb-src\nURIs: http://h/debian\nSuites: x\nComponents: main\n\n"
      "Enabled: no\nTypes: deb\nURIs: http://h/o\nSuites: x\nComponents: main\n\n"
      "Types: deb\nURIs: https://h/k\nSuites: s\nComponents: main\nArchitectures: amd64\nSigned-By:\n"
      " -----BEGIN PGP PUBLIC KEY BLOCK-----\n .\n AAAA\n -----END PGP PUBLIC KEY BLOCK-----\n",
      "d.sources");
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].uris[0], "http://h/debian");
  EXPECT_EQ((*r)[0].suites.size(), 2u);
  EXPECT_EQ((*r)[0].signed_by_file, "/usr/share/keyrings/k.gpg");
  EXPECT_EQ((*r)[0].origin, "d.sources:1");
  EXPECT_EQ((*r)[1].architectures, std::vector<std::string>{"amd64"});
  EXPECT_NE((*r)[1].signed_by_key.find("\n\nAAAA\n"), std::string::npos) << (*r)[1].signed_by_key;

  auto typo = parse_deb822_sources("Types: deb\nURI: http://h\nSuites: s\nComponents: main\n", "t.sources");
  ASSERT_FALSE(typo.ok());
  EXPECT_EQ(typo.error().message(), "t.sources:2: unknown field 'URI'; did you mean 'URIs'?");
  auto ftp = parse_deb822_sources("Types: deb\nURIs: ftp://h\nSuites: s\nComponents: main\n", "f.sources");
  ASSERT_FALSE(ftp.ok());
  EXPECT_NE(ftp.error().message().find("not http(s)"), std::string::npos);
  auto trusted = parse_deb822_sources("Types: deb\nURIs: http://h\nSuites: s\nComponents: m\nTrusted: yes\n", "x");
  EXPECT_FALSE(trusted.ok());
  EXPECT_FALSE(parse_deb822_sources("Types: deb\nURIs: http://h\nSuites: s\n", "x").ok());
}

TEST(Sources, OneLine) {
  auto r = parse_sources_list(
      "# comment\ndeb [arch=amd64,arm64 signed-by=/k.gpg] http://h/debian bookworm main non-free\n"
      "deb-src http://h/debian bookworm main\n\ndeb https://h/x stable main # trailing\n",
      "sources.list");
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].architectures, (std::vector<std::string>{"amd64", "arm64"}));
  EXPECT_EQ((*r)[0].signed_by_file, "/k.gpg");
  EXPECT_EQ((*r)[0].components, (std::vector<std::string>{"main", "non-free"}));
  EXPECT_EQ((*r)[1].origin, "sources.list:5");
  auto bad = parse_sources_list("deb [sigend-by=/k] http://h s main\n", "l");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "l:1: unknown option 'sigend-by'; did you mean 'signed-by'?");
  EXPECT_FALSE(parse_sources_list("deb http://h\n", "l").ok());
  EXPECT_FALSE(parse_sources_list("deb [trusted=yes] http://h s main\n", "l").ok());
}

TEST(Sources, SystemLayoutIgnoresDisabledFiles) {
  TempDir t;
  ASSERT_TRUE(ensure_dir(t.path() / "sources.list.d").ok());
  ASSERT_TRUE(write_file_atomic(t.path() / "sources.list", "deb http://a/d s main\n").ok());
  ASSERT_TRUE(write_file_atomic(t.path() / "sources.list.d/b.sources",
                                "Types: deb\nURIs: http://b/d\nSuites: s\nComponents: main\n")
                  .ok());
  ASSERT_TRUE(write_file_atomic(t.path() / "sources.list.d/c.list", "deb http://c/d s main\n").ok());
  ASSERT_TRUE(write_file_atomic(t.path() / "sources.list.d/x.list.disabled-by-farm", "garbage\n").ok());
  ASSERT_TRUE(write_file_atomic(t.path() / "sources.list.d/y.sources.disabled", "garbage\n").ok());
  ASSERT_TRUE(write_file_atomic(t.path() / "sources.list.d/z.save", "garbage\n").ok());
  auto r = load_system_sources(t.path().string());
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].uris[0], "http://a/d");
  EXPECT_EQ((*r)[1].uris[0], "http://b/d");
  EXPECT_EQ((*r)[2].uris[0], "http://c/d");
  TempDir empty;
  EXPECT_FALSE(load_system_sources(empty.path().string()).ok());
}

Result<AptSpec> spec(const std::string& yaml) {
  yamlsrc::Source src("recipe.yaml");
  DL_ASSIGN_OR_RETURN(YAML::Node n, src.parse(yaml));
  return parse_apt_spec(n["apt"], src, {"when"});
}

TEST(Spec, SourcesPackagesPinsRecommends) {
  auto r = spec(
      "apt:\n  sources:\n    - uris: http://h/debian\n      suites: [bookworm]\n      components: [main]\n"
      "      signed_by: /k.gpg\n  packages:\n    - python3\n    - libgomp1=12.2.0-14\n"
      "    - {name: libhdf5-dev, version: '1.10.8+repack1-1'}\n    - libc6:amd64\n  recommends: true\n"
      "  when: {python: '3.6'}\n");
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(r->sources.size(), 1u);
  EXPECT_EQ(r->sources[0].origin, "recipe.yaml:3:7");
  EXPECT_EQ(r->sources[0].signed_by_file, "/k.gpg");
  ASSERT_EQ(r->packages.size(), 4u);
  EXPECT_EQ(r->packages[1], (PackageSpec{"libgomp1", "", "12.2.0-14"}));
  EXPECT_EQ(r->packages[2].version, "1.10.8+repack1-1");
  EXPECT_EQ(r->packages[3].arch, "amd64");
  EXPECT_TRUE(r->recommends);
}

TEST(Spec, LocatedErrors) {
  auto typo = spec("apt:\n  pakages: [x]\n");
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.error().message().find("recipe.yaml:2:"), std::string::npos) << typo.error().message();
  EXPECT_NE(typo.error().message().find("packages"), std::string::npos) << typo.error().message();
  auto upper = spec("apt:\n  packages:\n    - Python3\n");
  ASSERT_FALSE(upper.ok());
  EXPECT_NE(upper.error().message().find("recipe.yaml:3:7"), std::string::npos) << upper.error().message();
  EXPECT_NE(upper.error().message().find("python3"), std::string::npos) << upper.error().message();
  auto nokey = spec("apt:\n  sources:\n    - uris: http://h\n      suites: [s]\n      components: [main]\n");
  ASSERT_FALSE(nokey.ok());
  EXPECT_NE(nokey.error().message().find("signed_by"), std::string::npos);
  auto rec = spec("apt:\n  recommends: maybe\n");
  ASSERT_FALSE(rec.ok());
  EXPECT_NE(rec.error().message().find("recipe.yaml:2:15"), std::string::npos) << rec.error().message();
  auto skey = spec("apt:\n  sources:\n    - {uris: http://h, suites: s, components: main, signed_by: /k, suite: x}\n");
  ASSERT_FALSE(skey.ok());
  EXPECT_NE(skey.error().message().find("suites"), std::string::npos) << skey.error().message();
}

// An operator-provided repository: sources in a file, read when used.
TEST(Spec, SourcesFromAFileReadWhenUsed) {
  TempDir dir("dl-apt-file");
  std::string path = (dir.path() / "python.sources").string();
  auto r = spec("apt:\n  sources:\n    - file: " + path + "\n");
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(r->sources.size(), 1u);
  EXPECT_EQ(r->sources[0].file, path);
  // Missing: one line naming the entry and the file, at use, not at parse.
  auto missing = expand_source_files(r->sources);
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(starts_with(missing.error().message(), "recipe.yaml:3:7: apt sources file " + path + " does not exist"))
      << missing.error().message();
  ASSERT_TRUE(write_file_atomic(path,
                                "Types: deb\nURIs: https://apt.example.internal/python\nSuites: xenial\n"
                                "Components: main\nSigned-By: /etc/dlimage/python.gpg\n")
                  .ok());
  auto got = expand_source_files(r->sources);
  ASSERT_TRUE(got.ok()) << got.error().message();
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].uris, std::vector<std::string>{"https://apt.example.internal/python"});
  EXPECT_EQ((*got)[0].signed_by_file, "/etc/dlimage/python.gpg");
  auto both = spec("apt:\n  sources:\n    - {file: /x.sources, uris: http://h}\n");
  ASSERT_FALSE(both.ok());
  EXPECT_NE(both.error().message().find("'uris' next to 'file'"), std::string::npos) << both.error().message();
  auto rel = spec("apt:\n  sources:\n    - file: x.sources\n");
  ASSERT_FALSE(rel.ok());
  EXPECT_NE(rel.error().message().find("not an absolute path"), std::string::npos) << rel.error().message();
}

TEST(Spec, Merge) {
  AptSpec a, b, c;
  a.packages = {{"python3", "", ""}, {"libgomp1", "", ""}};
  b.packages = {{"libgomp1", "", "12"}};
  b.recommends = true;
  auto m = merge_apt_specs({a, b});
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(m->packages.size(), 2u);
  EXPECT_EQ(m->packages[1].version, "12");
  EXPECT_TRUE(m->recommends);
  c.packages = {{"libgomp1", "", "13"}};
  auto clash = merge_apt_specs({b, c});
  ASSERT_FALSE(clash.ok());
  EXPECT_NE(clash.error().message().find("'12' and '13'"), std::string::npos);
}

const char* kRelease =
    "Origin: Debian\nSuite: stable\nCodename: bookworm\nDate: Sat, 10 May 2025 09:07:38 UTC\n"
    "Valid-Until: Sat, 17 May 2025 09:07:38 UTC\nAcquire-By-Hash: yes\nArchitectures: all amd64\n"
    "Components: main\nSHA256:\n"
    " 0000000000000000000000000000000000000000000000000000000000000001 123 main/binary-amd64/Packages\n"
    " 0000000000000000000000000000000000000000000000000000000000000002  45 main/binary-amd64/Packages.xz\n";

std::chrono::system_clock::time_point at(std::time_t t) { return std::chrono::system_clock::from_time_t(t); }

TEST(Release, ParseAndDates) {
  auto r = parse_release(kRelease, "http://h/dists/bookworm/InRelease");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_TRUE(r->acquire_by_hash);
  ASSERT_NE(r->find("main/binary-amd64/Packages.xz"), nullptr);
  EXPECT_EQ(r->find("main/binary-amd64/Packages.xz")->size, 45u);
  const std::time_t date = 1746868058;  // 2025-05-10 09:07:38 UTC
  EXPECT_TRUE(check_release_dates(*r, "u", at(date + 3600)).ok());
  auto expired = check_release_dates(*r, "http://h/dists/bookworm/InRelease", at(date + 8 * 86400));
  ASSERT_FALSE(expired.ok());
  EXPECT_NE(expired.error().message().find("http://h/dists/bookworm/InRelease: Release expired"), std::string::npos);
  EXPECT_FALSE(check_release_dates(*r, "u", at(date - 3600)).ok());  // Date in the future
  EXPECT_FALSE(parse_release("Origin: x\n", "u").ok());              // no SHA256
}

}  // namespace
}  // namespace dl::apt

namespace dl::apt {
namespace {

TEST(AptLock, RoundTripsAndRefusesBrokenEntries) {
  AptLockFile f;
  LockedImage img;
  img.inputs = lock_inputs({}, {{"python3", "", ""}, {"libgomp1", "", "12.2.0-14"}}, "amd64", "ab", true, false);
  EXPECT_EQ(img.inputs.request, (std::vector<std::string>{"libgomp1=12.2.0-14", "python3"}));
  img.lock.releases = {{"http://h/debian/dists/bookworm/InRelease", std::string(64, 'a')}};
  img.lock.debs = {{"python3", "3.11.2-1", "amd64", "pool/main/p/python3/python3_3.11.2-1_amd64.deb", 26000,
                    std::string(64, 'b'), "http://h/debian/pool/main/p/python3/python3_3.11.2-1_amd64.deb"}};
  f["qingcloud/x:1"] = img;
  std::string text = apt_lock_to_json(f);
  auto back = parse_apt_lock(text, "dlimage.lock");
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(*back, f);
  EXPECT_EQ(apt_lock_to_json(*back), text);
  auto pkgs = locked_packages(back->at("qingcloud/x:1").lock);
  ASSERT_EQ(pkgs.size(), 1u);
  EXPECT_EQ(pkgs[0].url, img.lock.debs[0].url);

  std::string bad = text;
  bad.replace(bad.find(std::string(64, 'b')), 64, "xyz");
  auto e = parse_apt_lock(bad, "dlimage.lock");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().message(),
            "dlimage.lock: apt[\"qingcloud/x:1\"]: debs[0]: sha256 \"xyz\" (expected 64 lowercase hex digits)");
  bad = text;
  bad.replace(bad.find("pool/main/p/python3/python3_3.11.2-1_amd64.deb"), 5, "../..");
  EXPECT_FALSE(parse_apt_lock(bad, "dlimage.lock").ok());
  bad = text;
  bad.replace(bad.find("\"recommends\""), 12, "\"recomends\"");
  e = parse_apt_lock(bad, "dlimage.lock");
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message().find("unknown key \"recomends\""), std::string::npos) << e.error().message();
}

}  // namespace
}  // namespace dl::apt
