// builder/apt against the real Debian archive this machine's apt uses (URIs
// and keyrings read from /etc/apt, never written here), with apt itself as
// the oracle: `apt-get -s install` on a private state directory must list
// exactly the packages dlimage resolves.
//
// The indexes are downloaded once per run into build/apt-archive-cache (a
// content-addressed cache: an unchanged index is not downloaded again).
//
// ctest runs each TEST below as its own process, in parallel with the others
// (-j), and every process sets the fixture up. So the shared directory is
// only written under an exclusive flock (apt-get update and the fetch), and
// what each process writes afterwards is its own: the oracle's status file
// is per process and apt keeps no binary cache (pkgcache.bin) on disk. Two
// `apt-get update`s at once in one state directory corrupt each other's
// lists/partial files ("Clearsigned file isn't valid", "BADSIG"), and one
// process's status file read by another made apt's Essential set come back
// empty: both seen when ctest's RESOURCE_LOCK silently did not apply.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <set>

#include "base/fs.h"
#include "base/strings.h"
#include "builder/apt/resolve.h"
#include "builder/apt/status.h"
#include "builder/deb/deb822.h"
#include "tests/support/process.h"

namespace dl::apt {
namespace {

using test::SpawnOptions;

struct Archive {
  fs::path dir;
  std::vector<RepoIndex> repos;
  std::string essential_status;  // the Essential set as apt resolves it, as a dpkg status
  std::string error;
};

fs::path test_dir() { return fs::path(DL_BINARY_DIR) / "apt-archive-cache"; }

std::vector<std::string> apt_args(const fs::path& dir, const fs::path& status) {
  return {"-o", "Dir::Etc=" + (dir / "etc").string(), "-o", "Dir::State=" + (dir / "state").string(), "-o",
          "Dir::State::status=" + status.string(), "-o", "Dir::Cache=" + (dir / "aptcache").string(), "-o",
          "Debug::NoLocking=1", "-o", "APT::Install-Recommends=false", "-o", "APT::Architecture=amd64", "-o",
          "APT::Architectures::=amd64", "-o", "Dir::Etc::Trusted=/nonexistent", "-o",
          "Dir::Etc::TrustedParts=/nonexistent",
          // No pkgcache.bin/srcpkgcache.bin: each simulation has its own
          // status, so a shared binary cache would be rewritten under the
          // feet of a parallel process.
          "-o", "Dir::Cache::pkgcache=", "-o", "Dir::Cache::srcpkgcache="};
}

// Holds an exclusive flock on DIR/lock for its lifetime (released on close,
// also when the process dies).
class DirLock {
 public:
  explicit DirLock(const fs::path& dir) : fd_(::open((dir / "lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {
    if (fd_ >= 0) ::flock(fd_, LOCK_EX);
  }
  ~DirLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;
  bool ok() const { return fd_ >= 0; }

 private:
  int fd_;
};

// "Inst libc6 [2.36-9] (2.36-9+deb12u14 Debian:12.12/stable [amd64])" -> "libc6 2.36-9+deb12u14 amd64"
std::vector<std::string> apt_simulate(const Archive& a, const std::string& status_text,
                                      const std::vector<std::string>& pkgs, std::string* err, bool recommends = false) {
  fs::path status = a.dir / ("oracle-status." + std::to_string(::getpid()));
  write_file_atomic(status, status_text).ok();
  std::vector<std::string> argv = {"apt-get"};
  auto extra = apt_args(a.dir, status);
  argv.insert(argv.end(), extra.begin(), extra.end());
  if (recommends) argv.insert(argv.end(), {"-o", "APT::Install-Recommends=true"});
  argv.insert(argv.end(), {"-s", "-q", "install"});
  argv.insert(argv.end(), pkgs.begin(), pkgs.end());
  auto r = test::run(argv);
  std::error_code ec;
  fs::remove(status, ec);
  std::vector<std::string> out;
  if (!r.ok() || !r->ok()) {
    *err = r.ok() ? r->describe() + r->out : r.error().message();
    return out;
  }
  for (const auto& line : split(r->out, '\n')) {
    if (!starts_with(line, "Inst ")) continue;
    auto w = split(line, ' ');
    size_t paren = line.find('(');
    std::string version = line.substr(paren + 1, line.find(' ', paren) - paren - 1);
    // The arch is the last "[...]" inside the parentheses; a trailing "[]"
    // marks a dependency loop.
    size_t close = line.find(')', paren);
    size_t lb = line.rfind('[', close), rb = line.rfind(']', close);
    out.push_back(w[1] + " " + version + " " + line.substr(lb + 1, rb - lb - 1));
  }
  std::sort(out.begin(), out.end());
  return out;
}

Archive* archive() {
  static Archive* instance = [] {
    auto* a = new Archive;
    a->dir = test_dir();
    ensure_dir(a->dir).ok();
    auto lock = std::make_unique<DirLock>(a->dir);
    if (!lock->ok()) {
      a->error = (a->dir / "lock").string() + ": cannot open: " + std::strerror(errno);
      return a;
    }
    ensure_dir(a->dir / "etc" / "sources.list.d").ok();
    ensure_dir(a->dir / "etc" / "preferences.d").ok();
    ensure_dir(a->dir / "etc" / "apt.conf.d").ok();
    ensure_dir(a->dir / "state" / "lists" / "partial").ok();
    ensure_dir(a->dir / "aptcache" / "archives" / "partial").ok();
    // The machine's own sources, for both dlimage and apt.
    auto sources = load_system_sources("/etc/apt");
    if (!sources.ok()) {
      a->error = sources.error().message();
      return a;
    }
    std::string deb822;
    for (const auto& s : *sources) {
      deb822 += "Types: deb\nURIs: " + join(s.uris, " ") + "\nSuites: " + join(s.suites, " ") +
                "\nComponents: " + join(s.components, " ") + "\nSigned-By: " + s.signed_by_file + "\n\n";
    }
    write_file_atomic(a->dir / "etc" / "sources.list.d" / "machine.sources", deb822).ok();
    std::vector<std::string> update = {"apt-get"};
    auto extra = apt_args(a->dir, a->dir / "empty-status");
    write_file_atomic(a->dir / "empty-status", "").ok();
    update.insert(update.end(), extra.begin(), extra.end());
    update.insert(update.end(), {"-q", "update"});
    auto u = test::run(update);
    if (!u.ok() || !u->ok()) {
      a->error = "apt-get update: " + (u.ok() ? u->describe() : u.error().message());
      return a;
    }
    net::HttpClient http;
    FetchOptions fo;
    fo.cache_dir = (a->dir / "dlimage").string();
    auto repos = fetch_indexes(*sources, fo, http);
    if (!repos.ok()) {
      a->error = repos.error().message();
      return a;
    }
    a->repos = *repos;
    lock.reset();  // the rest reads the shared files and writes only its own
    // A minimal, consistent base: the Essential set exactly as apt resolves
    // it on an empty status, written back as installed stanzas.
    std::set<std::string> essential;
    std::map<std::string, std::string> stanza;  // "name version arch" -> paragraph
    for (const auto& r : a->repos) {
      auto text = read_file(r.packages_path);
      auto paras = deb::parse_deb822(*text, r.packages_path);
      for (const auto& p : *paras) {
        std::string key = p.get("Package") + " " + p.get("Version") + " " + p.get("Architecture");
        if (p.get("Essential") == "yes") essential.insert(p.get("Package"));
        // Every field as dpkg would keep it: apt tells an installed version
        // from the archive's by a hash over several of them.
        std::string s = "Package: " + p.get("Package") + "\nStatus: install ok installed\n";
        for (const auto& f : p.fields) {
          if (f.name == "Package" || f.name == "Filename" || f.name == "Size" || f.name == "MD5sum" ||
              f.name == "SHA256" || f.name == "Description-md5")
            continue;
          s += f.name + ": " + f.value + "\n";  // continuation lines as written
        }
        stanza[key] = s;
      }
    }
    std::string err;
    auto base = apt_simulate(*a, "", {essential.begin(), essential.end()}, &err);
    if (base.empty()) {
      a->error = "apt-get -s install <Essential>: " + err;
      return a;
    }
    for (const auto& line : base) a->essential_status += stanza[line] + "\n";
    return a;
  }();
  return instance;
}

std::vector<std::string> ours(const std::string& status, const std::vector<std::string>& pkgs, std::string* err,
                              bool recommends = false) {
  ResolveRequest req;
  req.recommends = recommends;
  for (const auto& p : pkgs) req.packages.push_back(*parse_package_spec(p));
  auto installed = parse_status(status);
  auto r = resolve(archive()->repos, *installed, req);
  std::vector<std::string> out;
  if (!r.ok()) {
    *err = r.error().message();
    return out;
  }
  for (const auto& p : *r) out.push_back(p.name + " " + p.version + " " + p.arch);
  return out;
}

void compare(const std::string& status, const std::vector<std::string>& pkgs, bool recommends = false) {
  ASSERT_TRUE(archive()->error.empty()) << archive()->error;
  std::string apt_err, our_err;
  auto want = apt_simulate(*archive(), status, pkgs, &apt_err, recommends);
  ASSERT_TRUE(apt_err.empty()) << apt_err;
  auto got = ours(status, pkgs, &our_err, recommends);
  ASSERT_TRUE(our_err.empty()) << our_err;
  ASSERT_FALSE(want.empty());
  std::vector<std::string> missing, extra;
  std::set_difference(want.begin(), want.end(), got.begin(), got.end(), std::back_inserter(missing));
  std::set_difference(got.begin(), got.end(), want.begin(), want.end(), std::back_inserter(extra));
  EXPECT_TRUE(missing.empty() && extra.empty())
      << "request " << join(pkgs, " ") << ": apt installs but dlimage does not: " << join(missing, ", ")
      << "\ndlimage installs but apt does not: " << join(extra, ", ");
}

TEST(Archive, IndexesVerified) {
  ASSERT_TRUE(archive()->error.empty()) << archive()->error;
  ASSERT_FALSE(archive()->repos.empty());
  for (const auto& r : archive()->repos) {
    EXPECT_EQ(r.release_sha256.size(), 64u);
    EXPECT_TRUE(fs::exists(r.packages_path)) << r.packages_path;
  }
}

TEST(Archive, Python3OnTheEssentialSet) { compare(archive()->essential_status, {"python3"}); }

TEST(Archive, Python3SixOnTheEssentialSet) { compare(archive()->essential_status, {"python3-six"}); }

TEST(Archive, LibHdf5Dev) { compare(archive()->essential_status, {"libhdf5-dev"}); }

// bsd-mailx: Depends: default-mta | mail-transport-agent (a virtual package).
TEST(Archive, AlternativesAndVirtuals) { compare(archive()->essential_status, {"bsd-mailx"}); }

// base-files Pre-Depends on the virtual awk (mawk, gawk, original-awk):
// apt takes the provider with the highest Priority (mawk, required).
TEST(Archive, AVirtualWithSeveralProvidersByPriority) { compare("", {"base-files"}); }

TEST(Archive, SeveralAtOnce) {
  compare(archive()->essential_status, {"python3-numpy", "libgomp1", "ca-certificates", "curl"});
}

// Recommends pulled in when asked, as apt's default does.
TEST(Archive, Python3WithRecommends) { compare(archive()->essential_status, {"python3"}, true); }

TEST(Archive, UnknownPackageSuggestsTheNearest) {
  ASSERT_TRUE(archive()->error.empty()) << archive()->error;
  std::string err;
  ours("", {"pyhton3"}, &err);
  EXPECT_EQ(err, "unknown package 'pyhton3'; did you mean 'python3'?");
}

}  // namespace
}  // namespace dl::apt
