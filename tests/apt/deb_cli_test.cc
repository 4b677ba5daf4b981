// The Bad input, through the commands a user types: `dlimage deb
// resolve` and `dlimage deb install` against a real signed repository on
// loopback (local_repo.h). Each case exits 1 with one line naming the source
// URL or the package, and leaves nothing partial in the cache (no temp
// file; for index errors no file at all).
#include <gtest/gtest.h>

#include "base/strings.h"
#include "tests/apt/local_repo.h"
#include "tests/support/process.h"

namespace dl::test {
namespace {

std::vector<FakeDeb> small_archive() {
  return {
      {"Package: libc6\nVersion: 2.36-9\nArchitecture: amd64\n", {{"usr/lib/x86_64-linux-gnu/libc.so.6", "ELF"}}},
      {"Package: python3\nVersion: 3.11.2-1\nArchitecture: amd64\nDepends: libc6\n", {{"usr/bin/python3", "x"}}},
      {"Package: needs-new-libc\nVersion: 1\nArchitecture: amd64\nDepends: libc6 (>= 3.0)\n"},
  };
}

struct Cli {
  std::unique_ptr<LocalRepo> repo;
  TempDir dir{"dl-deb-cli"};
  std::string text;
  int rc = -1;

  explicit Cli(const std::string& release_extra = "")
      : repo(std::make_unique<LocalRepo>(small_archive(), release_extra)) {}
  fs::path cache() const { return dir.path() / "cache"; }
  fs::path root() const { return dir.path() / "root"; }

  // Runs dlimage with `args` and the repository's sources (signed by `key`).
  void run(std::vector<std::string> args, const fs::path& key = {}) {
    std::vector<std::string> argv = {std::string(DL_BINARY_DIR) + "/dlimage", "deb"};
    argv.insert(argv.end(), args.begin(), args.end());
    for (const std::string& a :
         {std::string("--cache"), cache().string(), std::string("--sources"), repo->sources_file(key).string()})
      argv.push_back(a);
    SpawnOptions o;
    o.merge_stderr = true;
    auto r = test::run(argv, o, std::chrono::seconds(120));
    ASSERT_TRUE(r.ok());
    rc = r->exit_code;
    text = r->out;
  }
  void resolve(const std::string& pkg, const fs::path& key = {}) { run({"resolve", pkg}, key); }
  void install(const std::string& pkg) { run({"install", "--root", root().string(), pkg}); }

  // Regular files in the cache whose names say they are unfinished, or all of them.
  std::vector<std::string> cached(bool only_temp) const {
    std::vector<std::string> out;
    if (!fs::exists(cache())) return out;
    for (const auto& e : fs::recursive_directory_iterator(cache())) {
      if (!e.is_regular_file()) continue;
      std::string rel = fs::relative(e.path(), cache()).string();
      bool temp = rel.find("tmp") != std::string::npos || rel.find(".part") != std::string::npos ||
                  rel.find(".dlimage-") != std::string::npos;
      if (!only_temp || temp) out.push_back(rel);
    }
    return out;
  }

  // One line "dlimage: error: ..." holding `want`, exit 1.
  void expect_one_line(const std::string& want) const {
    EXPECT_EQ(rc, 1) << text;
    EXPECT_TRUE(starts_with(text, "dlimage: error: ")) << text;
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
    EXPECT_NE(text.find(want), std::string::npos) << "want: " << want << "\ngot: " << text;
    EXPECT_TRUE(cached(true).empty()) << join(cached(true), ", ");
  }
};

TEST(DebCli, BadIndexesAreOneLineNamingTheUrlAndCacheNothing) {
  {
    Cli c;
    auto in = *read_file(c.repo->dist() / "InRelease");
    in.replace(in.find("Suite: stable"), 13, "Suite: stabl3");
    ASSERT_TRUE(write_file_atomic(c.repo->dist() / "InRelease", in).ok());
    c.resolve("python3");
    c.expect_one_line(c.repo->uri() + "/dists/stable/InRelease: bad signature");
    EXPECT_TRUE(c.cached(false).empty()) << join(c.cached(false), ", ");
  }
  {
    Cli c;
    c.resolve("python3", c.repo->other_keyring());
    c.expect_one_line(c.repo->uri() + "/dists/stable/InRelease: signed by unknown key ");
    EXPECT_TRUE(c.cached(false).empty()) << join(c.cached(false), ", ");
  }
  {
    Cli c("Valid-Until: Sat, 01 Jan 2022 00:00:00 UTC\n");
    c.resolve("python3");
    c.expect_one_line(c.repo->uri() + "/dists/stable/InRelease: Release expired: Valid-Until");
    EXPECT_TRUE(c.cached(false).empty()) << join(c.cached(false), ", ");
  }
  {
    Cli c;
    fs::path xz = c.repo->dist() / "main/binary-amd64/Packages.xz";
    auto data = *read_file(xz);
    data[data.size() / 2] ^= 0x01;
    ASSERT_TRUE(write_file_atomic(xz, data).ok());
    c.resolve("python3");
    c.expect_one_line(c.repo->uri() + "/dists/stable/main/binary-amd64/Packages.xz: sha256 ");
  }
}

TEST(DebCli, BadRequestsAreOneLineNamingThePackage) {
  Cli c;
  c.resolve("needs-new-libc");
  c.expect_one_line("cannot install needs-new-libc: nothing provides libc6 >= 3.0 needed by needs-new-libc-1.amd64");
  c.resolve("pyhton3");
  c.expect_one_line("unknown package 'pyhton3'; did you mean 'python3'?");
  c.install("pyhton3");
  c.expect_one_line("unknown package 'pyhton3'; did you mean 'python3'?");
}

TEST(DebCli, BadDebsAreOneLineNamingTheUrl) {
  fs::path craft = fs::path(DL_SOURCE_DIR) / "tests/fixtures/debs/craft_deb.py";
  struct Case {
    std::string kind, package, message;
  };
  for (const Case& k :
       {Case{"mismatch", "python3", "sha256"}, Case{"corrupt", "python3", "truncated or corrupt"},
        Case{"truncated", "python3", "does not match the expected"},
        Case{"dotdot", "evil-dotdot", "climbs out with '..'"},
        Case{"slip", "evil-slip", "would be written through the package's own symlink"},
        Case{"escape", "evil-escape", "points outside the tree"}, Case{"absolute", "evil-absolute", "/etc/passwd"}}) {
    SCOPED_TRACE(k.kind);
    Cli c;
    fs::path pool = c.repo->root() / "pool" / "main";
    std::string file = k.package == "python3" ? "python3_3.11.2-1.deb" : k.package + "_1.0.deb";
    if (k.package == "python3") {
      auto bytes = *read_file(pool / file);
      if (k.kind == "mismatch") bytes[bytes.size() / 2] ^= 1;  // not what the signed index lists
      if (k.kind == "truncated") bytes.resize(bytes.size() * 3 / 4);
      if (k.kind == "corrupt")
        for (size_t i = bytes.size() - 40; i < bytes.size() - 8; ++i) bytes[i] = char(~bytes[i]);
      ASSERT_TRUE(write_file_atomic(pool / file, bytes).ok());
    } else {
      auto r = test::run({"python3", craft.string(), (pool / file).string(), k.package, k.kind});
      ASSERT_TRUE(r.ok() && r->ok()) << (r.ok() ? r->describe() : r.error().message());
    }
    // Signed and listed: only the content is bad. (A truncated download is
    // refused by its digest; apt-ftparchive would not index a truncated file.)
    if (k.kind != "mismatch" && k.kind != "truncated") c.repo->reindex();
    c.install(k.package);
    c.expect_one_line(c.repo->uri() + "/pool/main/" + file);
    EXPECT_NE(c.text.find(k.message), std::string::npos) << c.text;
  }
}

}  // namespace
}  // namespace dl::test
