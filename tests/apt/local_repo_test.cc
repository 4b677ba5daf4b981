// builder/apt against real signed repositories on loopback: every bad case
// is one line naming the URL and leaves nothing partial in the cache.
#include <gtest/gtest.h>

#include "base/fs.h"
#include "base/sha256.h"
#include "base/strings.h"
#include "builder/apt/lock.h"
#include "builder/apt/resolve.h"
#include "tests/apt/local_repo.h"

namespace dl::apt {
namespace {

using test::FakeDeb;
using test::LocalRepo;

std::vector<FakeDeb> small_archive() {
  return {
      {"Package: libc6\nVersion: 2.36-9\nArchitecture: amd64\nMulti-Arch: same\n"},
      {"Package: base-files\nVersion: 12.4\nArchitecture: amd64\nEssential: yes\n"},
      {"Package: app\nVersion: 1.0\nArchitecture: amd64\nDepends: libc6 (>= 2.36), mta | mail-transport-agent\n"
       "Pre-Depends: dpkg-tool\nRecommends: extra\n"},
      {"Package: dpkg-tool\nVersion: 2\nArchitecture: all\n"},
      {"Package: extra\nVersion: 1\nArchitecture: all\n"},
      {"Package: postfix\nVersion: 3.7\nArchitecture: amd64\nProvides: mail-transport-agent\n"
       "Conflicts: mail-transport-agent\n"},
      {"Package: exim\nVersion: 4.96\nArchitecture: amd64\nProvides: mail-transport-agent\n"
       "Conflicts: mail-transport-agent\n"},
      {"Package: needs-new-libc\nVersion: 1\nArchitecture: amd64\nDepends: libc6 (>= 3.0)\n"},
      {"Package: clash\nVersion: 1\nArchitecture: amd64\nBreaks: libc6 (<< 3)\n"},
      {"Package: pyapp\nVersion: 1\nArchitecture: all\nDepends: python3:any\n"},
      {"Package: python3\nVersion: 3.11\nArchitecture: amd64\nMulti-Arch: allowed\n"},
      {"Package: old\nVersion: 1\nArchitecture: amd64\n"},
      {"Package: old\nVersion: 2\nArchitecture: amd64\n"},
  };
}

struct Fixture {
  LocalRepo repo;
  TempDir cache{"dlimage-aptcache"};
  net::HttpClient http;
  FetchOptions opts;
  explicit Fixture(const std::string& extra = "") : repo(small_archive(), extra) {
    opts.cache_dir = cache.path().string();
  }
  Result<std::vector<RepoIndex>> fetch(const fs::path& keyring = {}) {
    DL_ASSIGN_OR_RETURN(auto sources, load_sources_file(repo.sources_file(keyring).string()));
    return fetch_indexes(sources, opts, http);
  }
  // Regular files under cache/apt/<sub>.
  std::vector<std::string> files(const std::string& sub = "") {
    std::vector<std::string> out;
    std::error_code ec;
    fs::path root = cache.path() / "apt" / sub;
    if (!fs::exists(root)) return out;
    for (const auto& e : fs::recursive_directory_iterator(root, ec))
      if (e.is_regular_file()) out.push_back(fs::relative(e.path(), cache.path()).string());
    return out;
  }
};

std::vector<std::string> lines(const std::vector<ResolvedPackage>& pkgs) {
  std::vector<std::string> out;
  for (const auto& p : pkgs) out.push_back(p.name + " " + p.version + " " + p.arch);
  return out;
}

Result<std::vector<ResolvedPackage>> resolve_names(const std::vector<RepoIndex>& repos,
                                                   const std::vector<std::string>& names,
                                                   const std::string& status = "", bool recommends = false) {
  ResolveRequest req;
  for (const auto& n : names) {
    DL_ASSIGN_OR_RETURN(auto spec, parse_package_spec(n));
    req.packages.push_back(spec);
  }
  req.recommends = recommends;
  DL_ASSIGN_OR_RETURN(auto installed, parse_status(status));
  return resolve(repos, installed, req);
}

TEST(LocalRepo, FetchesVerifiesAndResolves) {
  Fixture f;
  auto repos = f.fetch();
  ASSERT_TRUE(repos.ok()) << repos.error().message();
  ASSERT_EQ(repos->size(), 1u);
  EXPECT_EQ((*repos)[0].release_url, f.repo.uri() + "/dists/stable/InRelease");
  EXPECT_EQ((*repos)[0].release_sha256, Sha256::hex(*read_file(f.repo.dist() / "InRelease")));
  EXPECT_EQ((*repos)[0].packages_sha256, Sha256::hex(*read_file(f.repo.dist() / "main/binary-amd64/Packages")));

  // Depends with a version, Pre-Depends, alternatives through a virtual
  // package (the first provider by name, as apt would pick), no Recommends.
  auto r = resolve_names(*repos, {"app"});
  ASSERT_TRUE(r.ok()) << r.error().message();
  auto got = lines(*r);
  ASSERT_EQ(got.size(), 4u) << join(got, ", ");
  EXPECT_EQ(got[0], "app 1.0 amd64");
  EXPECT_EQ(got[1], "dpkg-tool 2 all");
  EXPECT_EQ(got[3], "libc6 2.36-9 amd64");
  EXPECT_TRUE(got[2] == "exim 4.96 amd64" || got[2] == "postfix 3.7 amd64") << got[2];
  const auto& app = (*r)[0];
  EXPECT_EQ(app.url, f.repo.uri() + "/" + app.filename);
  auto deb = read_file(f.repo.root() / app.filename);
  ASSERT_TRUE(deb.ok());
  EXPECT_EQ(app.sha256, Sha256::hex(*deb));
  EXPECT_EQ(app.size, deb->size());

  auto rec = resolve_names(*repos, {"app"}, "", true);
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(rec->size(), 5u) << join(lines(*rec), ", ");

  // The base's packages are installed: not listed again.
  auto on_base = resolve_names(*repos, {"app"},
                               "Package: libc6\nStatus: install ok installed\nVersion: 2.36-9\nArchitecture: amd64\n");
  ASSERT_TRUE(on_base.ok());
  EXPECT_EQ(on_base->size(), 3u) << join(lines(*on_base), ", ");

  // ":any" on a Multi-Arch: allowed package; the newest of two versions;
  // a pin picks the older one.
  auto any = resolve_names(*repos, {"pyapp", "old"});
  ASSERT_TRUE(any.ok()) << any.error().message();
  EXPECT_EQ(lines(*any), (std::vector<std::string>{"old 2 amd64", "pyapp 1 all", "python3 3.11 amd64"}));
  auto pinned = resolve_names(*repos, {"old=1"});
  ASSERT_TRUE(pinned.ok()) << pinned.error().message();
  EXPECT_EQ(lines(*pinned), std::vector<std::string>{"old 1 amd64"});
  auto nopin = resolve_names(*repos, {"old=7"});
  ASSERT_FALSE(nopin.ok());
  EXPECT_NE(nopin.error().message().find("available: 1, 2"), std::string::npos) << nopin.error().message();

  // Lock data.
  AptLock lock = make_lock(*repos, *r);
  ASSERT_EQ(lock.releases.size(), 1u);
  EXPECT_EQ(lock.releases[0].sha256, (*repos)[0].release_sha256);
  ASSERT_EQ(lock.debs.size(), 4u);
  EXPECT_EQ(lock.debs[0].sha256, app.sha256);

  // Offline from the cache: the same answer, no request.
  size_t before = f.repo.requests().size();
  f.opts.offline = true;
  auto again = f.fetch();
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(f.repo.requests().size(), before);
  EXPECT_EQ((*again)[0].packages_path, (*repos)[0].packages_path);
}

// base: scratch: every Essential: yes package joins the request.
TEST(LocalRepo, EssentialSet) {
  Fixture f;
  auto repos = f.fetch();
  ASSERT_TRUE(repos.ok()) << repos.error().message();
  ResolveRequest req;
  req.essential = true;
  req.packages = {*parse_package_spec("old")};
  auto r = resolve(*repos, {}, req);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(lines(*r), (std::vector<std::string>{"base-files 12.4 amd64", "old 2 amd64"}));
  EXPECT_TRUE((*r)[0].essential);
  EXPECT_FALSE((*r)[1].essential);
}

TEST(LocalRepo, UnsatisfiableAndUnknown) {
  Fixture f;
  auto repos = f.fetch();
  ASSERT_TRUE(repos.ok()) << repos.error().message();
  auto un = resolve_names(*repos, {"needs-new-libc"});
  ASSERT_FALSE(un.ok());
  EXPECT_NE(un.error().message().find("needs-new-libc"), std::string::npos) << un.error().message();
  EXPECT_NE(un.error().message().find("libc6"), std::string::npos) << un.error().message();
  EXPECT_EQ(un.error().message().find('\n'), std::string::npos);
  EXPECT_EQ(un.error().message(),
            "cannot install needs-new-libc: nothing provides libc6 >= 3.0 needed by needs-new-libc-1.amd64");
  auto brk = resolve_names(*repos, {"clash", "libc6"});
  ASSERT_FALSE(brk.ok());
  EXPECT_NE(brk.error().message().find("clash"), std::string::npos) << brk.error().message();
  auto two = resolve_names(*repos, {"postfix", "exim"});
  ASSERT_FALSE(two.ok());
  EXPECT_NE(two.error().message().find("postfix"), std::string::npos) << two.error().message();
  auto unknown = resolve_names(*repos, {"postfx"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().message(), "unknown package 'postfx'; did you mean 'postfix'?");
  auto virt = resolve_names(*repos, {"mail-transport-agent"});
  ASSERT_FALSE(virt.ok());
  EXPECT_NE(virt.error().message().find("virtual, provided by exim, postfix"), std::string::npos)
      << virt.error().message();
}

TEST(LocalRepo, ReleaseGpgWithSqvAndArmoredKey) {
  Fixture f;
  f.opts.verifier = "sqv";
  auto repos = f.fetch(f.repo.keyring_asc());
  ASSERT_TRUE(repos.ok()) << repos.error().message();
  EXPECT_EQ((*repos)[0].release_url, f.repo.uri() + "/dists/stable/Release");
  f.opts.verifier = "gpgv";
  auto armored = f.fetch(f.repo.keyring_asc());
  ASSERT_TRUE(armored.ok()) << armored.error().message();
}

TEST(LocalRepo, ByHash) {
  Fixture f("Acquire-By-Hash: yes\n");
  auto repos = f.fetch();
  ASSERT_TRUE(repos.ok()) << repos.error().message();
  EXPECT_NE((*repos)[0].packages_url.find("/by-hash/SHA256/"), std::string::npos);
  bool asked = false;
  for (const auto& r : f.repo.requests()) asked = asked || r.find("/by-hash/SHA256/") != std::string::npos;
  EXPECT_TRUE(asked);
}

TEST(LocalRepo, BadSignature) {
  Fixture f;
  // Tamper with the signed text after signing.
  auto in = *read_file(f.repo.dist() / "InRelease");
  auto pos = in.find("Suite: stable");
  ASSERT_NE(pos, std::string::npos);
  in.replace(pos, 13, "Suite: stabl3");
  ASSERT_TRUE(write_file_atomic(f.repo.dist() / "InRelease", in).ok());
  auto r = f.fetch();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), f.repo.uri() + "/dists/stable/InRelease: bad signature");
  EXPECT_TRUE(f.files().empty()) << join(f.files(), ", ");
}

TEST(LocalRepo, UnknownKey) {
  Fixture f;
  auto r = f.fetch(f.repo.other_keyring());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message().rfind(f.repo.uri() + "/dists/stable/InRelease: signed by unknown key ", 0), 0u)
      << r.error().message();
  EXPECT_TRUE(f.files().empty()) << join(f.files(), ", ");
}

TEST(LocalRepo, ExpiredValidUntil) {
  Fixture f("Valid-Until: Sat, 01 Jan 2022 00:00:00 UTC\n");
  auto r = f.fetch();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message().rfind(f.repo.uri() + "/dists/stable/InRelease: Release expired: Valid-Until", 0), 0u)
      << r.error().message();
  EXPECT_TRUE(f.files().empty()) << join(f.files(), ", ");
}

TEST(LocalRepo, PackagesHashMismatch) {
  Fixture f;
  fs::path xz = f.repo.dist() / "main/binary-amd64/Packages.xz";
  auto data = *read_file(xz);
  data[data.size() / 2] ^= 0x01;
  ASSERT_TRUE(write_file_atomic(xz, data).ok());
  auto r = f.fetch();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message().rfind(f.repo.uri() + "/dists/stable/main/binary-amd64/Packages.xz: sha256 ", 0), 0u)
      << r.error().message();
  EXPECT_NE(r.error().message().find("does not match the Release's"), std::string::npos);
  // Only the verified InRelease is cached; no index, no temp file.
  EXPECT_EQ(f.files("blobs").size(), 1u) << join(f.files(), ", ");
  EXPECT_TRUE(f.files("tmp").empty()) << join(f.files(), ", ");
}

}  // namespace
}  // namespace dl::apt
