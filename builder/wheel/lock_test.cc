#include "builder/wheel/lock.h"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>

#include "base/fs.h"
#include "base/sha256.h"
#include "builder/wheel/install.h"
#include "builder/wheel/wheel_archive.h"
#include "builder/wheel/wheel_test_util.h"

namespace dl::wheel {
namespace {

namespace fs = std::filesystem;
using testing::fixture;

LockedWheel locked(const std::string& file) {
  fs::path p = fixture(file);
  auto w = inspect_wheel(p).value();
  return {w.name, w.version, file, p.string(), Sha256::hex(read_file(p).value()), fs::file_size(p), {}};
}

LockedEnvironment env(std::string cell, std::vector<LockedWheel> wheels) {
  LockedEnvironment e;
  e.cell = std::move(cell);
  e.python = "3.11";
  e.abi = "cp311";
  e.glibc = "2.36";
  e.requirements = {"good"};
  e.wheels = std::move(wheels);
  return e;
}

Lock sample() {
  Lock l;
  l.environments["cell-b python3.11"] =
      env("cell-b", {locked("good-1.0-py3-none-any.whl"), locked("dep-1.5-py3-none-any.whl")});
  l.environments["cell-a python3.11"] = env("cell-a", {locked("dep-1.5-py3-none-any.whl")});
  l.environments["cell-c python3.11"] = env("cell-c", {locked("plat-2.0-cp311-cp311-linux_x86_64.whl")});
  return l;
}

TEST(Lock, RoundTripIsCanonicalWithOneLinePerWheel) {
  TempDir d;
  Lock l = sample();
  l.apt = R"({"packages":{"curl":"7.88"}})";
  std::string path = (d.path() / "wheels.lock").string();
  ASSERT_TRUE(write_lock(path, l).ok());
  auto back = load_lock(path);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->apt, l.apt);  // the apt section survives untouched
  EXPECT_EQ(back->environments.size(), l.environments.size());
  EXPECT_EQ(lock_to_json(*back), read_file(path).value());
  Lock shuffled = l;
  auto& w = shuffled.environments["cell-b python3.11"].wheels;
  std::reverse(w.begin(), w.end());
  EXPECT_EQ(lock_to_json(shuffled), lock_to_json(l));
  std::string text = lock_to_json(l);
  EXPECT_LT(text.find("\"cell-a python3.11\""), text.find("\"cell-b python3.11\""));
  EXPECT_LT(text.find("\"name\":\"dep\""), text.find("\"name\":\"good\""));
  // Each wheel is one line: a changed wheel is a one-line diff.
  size_t line_start = text.rfind('\n', text.find("good-1.0-py3-none-any.whl")) + 1;
  std::string line = text.substr(line_start, text.find('\n', line_start) - line_start);
  EXPECT_NE(line.find("\"sha256\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"size\""), std::string::npos) << line;
}

TEST(Lock, ParseErrorsNameEntryAndWheel) {
  std::string e =
      R"({"version": 2, "environments": {"c1 python2.7": {"cell": "c1", "python": "2.7", "abi": "cp27mu", "wheels": [{"name": "x"}]}}})";
  EXPECT_EQ(parse_lock(e, "w.lock").error().message(),
            "w.lock: environments[\"c1 python2.7\"]: wheels[0]: missing \"version\" (expected a string)");
  EXPECT_EQ(parse_lock("[]", "w.lock").error().message(), "w.lock: not a JSON object (expected a wheel lock)");
  EXPECT_NE(parse_lock("{\"version\": 1, \"cells\": {}}", "w.lock").error().message().find("(expected 2"),
            std::string::npos);
  std::string typo = R"({"version": 2, "environments": {}, "enviroments": {}})";
  EXPECT_NE(parse_lock(typo, "w.lock").error().message().find("unknown key \"enviroments\""), std::string::npos);
}

TEST(Lock, UrlsCarryNoCredentials) {
  EXPECT_EQ(lock_url("https://user:pw@files.example/x.whl?X-Amz-Signature=abc&v=1&token=t#sha256=00"),
            "https://files.example/x.whl?v=1");
  EXPECT_EQ(lock_url("https://h:8443/simple/x.whl"), "https://h:8443/simple/x.whl");
  EXPECT_EQ(lock_url("/abs/path/x.whl"), "/abs/path/x.whl");
  EXPECT_EQ(lock_url("https://u@h/a@b/x.whl?access_key=1"), "https://h/a@b/x.whl");
}

TEST(Lock, ConcurrentWritersLoseNothing) {
  TempDir d;
  std::string path = (d.path() / "wheels.lock").string();
  const int kWriters = 8, kRounds = 5;
  std::vector<pid_t> kids;
  for (int w = 0; w < kWriters; ++w) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      for (int r = 0; r < kRounds; ++r) {
        Status s = update_lock(path, [&](Lock& l) -> Status {
          l.environments["cell-" + std::to_string(w) + "-" + std::to_string(r) + " python3.11"] =
              env("cell-" + std::to_string(w), {});
          return {};
        });
        if (!s.ok()) _exit(1);
      }
      _exit(0);
    }
    kids.push_back(pid);
  }
  for (pid_t k : kids) {
    int status = 0;
    waitpid(k, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  auto l = load_lock(path);
  ASSERT_TRUE(l.ok()) << l.error().message();
  EXPECT_EQ(l->environments.size(), size_t(kWriters * kRounds));
}

TEST(Lock, ChangingOneWheelAffectsOnlyItsEnvironments) {
  Lock before = sample();
  Lock after = before;
  for (auto& [id, e] : after.environments)
    for (auto& w : e.wheels)
      if (w.name == "dep") w.sha256[0] = w.sha256[0] == 'a' ? 'b' : 'a';
  EXPECT_EQ(affected_cells(before, after), (std::set<std::string>{"cell-a python3.11", "cell-b python3.11"}));
  EXPECT_TRUE(affected_cells(before, before).empty());
  Lock added = before;
  added.environments["cell-d python3.11"] = env("cell-d", {});
  added.environments.erase("cell-c python3.11");
  EXPECT_EQ(affected_cells(before, added), (std::set<std::string>{"cell-c python3.11", "cell-d python3.11"}));
}

// Snapshot of a tree: relative path -> content (dirs as "<dir>").
std::map<std::string, std::string> snapshot(const fs::path& root) {
  std::map<std::string, std::string> out;
  for (auto& e : fs::recursive_directory_iterator(root))
    out[fs::relative(e.path(), root).string()] = e.is_directory() ? "<dir>" : read_file(e.path()).value();
  return out;
}

TEST(Lock, BuildingFromALockIsReproducible) {
  TempDir d, cache_dir;
  ASSERT_TRUE(write_lock((d.path() / "l.json").string(), sample()).ok());
  std::map<std::string, std::string> trees[2];
  for (auto& tree : trees) {
    auto lock = load_lock((d.path() / "l.json").string());
    ASSERT_TRUE(lock.ok());
    WheelCache cache(cache_dir.path());
    auto fetched = fetch_locked(*lock, "cell-b python3.11", cache);
    ASSERT_TRUE(fetched.ok()) << fetched.error().message();
    ASSERT_EQ(fetched->size(), 2u);
    std::vector<WheelContents> wheels;
    for (auto& f : *fetched) {
      EXPECT_EQ(f.file.path.parent_path(), cache_dir.path() / "sha256");
      wheels.push_back(inspect_wheel(f.file.path, f.wheel.filename).value());
    }
    TempDir root;
    DirectorySink sink(root.path());
    auto r = install_inspected(std::move(wheels), InterpreterLayout::debian("3.11"), sink);
    ASSERT_TRUE(r.ok()) << r.error().message();
    tree = snapshot(root.path());
  }
  EXPECT_EQ(trees[0], trees[1]);
  EXPECT_TRUE(trees[0].count("usr/local/lib/python3.11/dist-packages/dep-1.5.dist-info/RECORD"));

  auto lock = load_lock((d.path() / "l.json").string()).value();
  lock.environments["cell-a python3.11"].wheels[0].size += 1;
  WheelCache cache(cache_dir.path());
  auto bad = fetch_locked(lock, "cell-a python3.11", cache);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind(), ErrorKind::integrity);
  EXPECT_NE(bad.error().message().find("lock says"), std::string::npos) << bad.error().message();
}

}  // namespace
}  // namespace dl::wheel

namespace dl::wheel {
namespace {

const std::string kDigestA = "sha256:" + std::string(64, 'a');
const std::string kDigestB = "sha256:" + std::string(64, 'b');

Lock pinned() {
  Lock l = sample();
  l.bases["nvidia/cuda:10.0-cudnn7-runtime-ubuntu16.04"] = {kDigestA, "linux/amd64"};
  l.bases["debian:bookworm-slim"] = {kDigestB, "linux/amd64"};
  l.artifacts["qingcloud/caffe:1.0-py27-cpu"] = {
      {"/opt/z", "https://files.example/z.tar.gz", std::string(64, 'c'), 30},
      {"/opt/caffe", "https://files.example/caffe.tar.gz", std::string(64, 'd'), 1234}};
  return l;
}

TEST(Lock, BasesAndArtifactsRoundTripCanonicallyOneLineEach) {
  Lock l = pinned();
  std::string text = lock_to_json(l);
  auto back = parse_lock(text, "wheels.lock");
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->bases, l.bases);
  // Sorted by destination whatever order they were recorded in.
  ASSERT_EQ(back->artifacts.at("qingcloud/caffe:1.0-py27-cpu").size(), 2u);
  EXPECT_EQ(back->artifacts.at("qingcloud/caffe:1.0-py27-cpu")[0].dest, "/opt/caffe");
  EXPECT_EQ(lock_to_json(*back), text);  // byte-identical
  // Top-level keys in order; one base per line, one artifact per line.
  EXPECT_LT(text.find("\"apt\""), text.find("\"artifacts\""));
  EXPECT_LT(text.find("\"artifacts\""), text.find("\"bases\""));
  EXPECT_LT(text.find("\"bases\""), text.find("\"environments\""));
  EXPECT_NE(text.find("    \"debian:bookworm-slim\": {\"digest\":\"" + kDigestB + "\",\"platform\":\"linux/amd64\"}"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("      {\"dest\":\"/opt/caffe\",\"sha256\":\"" + std::string(64, 'd') +
                      "\",\"size\":1234,\"url\":\"https://files.example/caffe.tar.gz\"}"),
            std::string::npos)
      << text;
  // A lock without pins reads as it did before bases were locked: no empty
  // sections (the per-image lock label hashes this text).
  EXPECT_EQ(lock_to_json(sample()).find("\"bases\""), std::string::npos);
  EXPECT_EQ(lock_to_json(sample()).find("\"artifacts\""), std::string::npos);
}

TEST(Lock, BadPinsAreLocatedErrors) {
  auto msg = [](const std::string& bases_and_artifacts) {
    auto r = parse_lock(R"({"version": 2, "environments": {}, )" + bases_and_artifacts + "}", "w.lock");
    return r.ok() ? std::string("ok") : r.error().message();
  };
  EXPECT_EQ(msg(R"("bases": {"debian:12": {"digest": "sha256:abc", "platform": "linux/amd64"}})"),
            "w.lock: bases[\"debian:12\"]: \"digest\": sha256 \"abc\" (expected 64 lowercase hex digits)");
  EXPECT_EQ(msg(R"("bases": {"debian:12": {"digest": "md5:00", "platform": "linux/amd64"}})"),
            "w.lock: bases[\"debian:12\"]: \"digest\" md5:00 (expected sha256:<64 hex digits>)");
  EXPECT_EQ(msg(R"("bases": {"debian:12": {"digest": ")" + kDigestA + R"(", "platform": "amd64"}})"),
            "w.lock: bases[\"debian:12\"]: \"platform\" amd64 (expected OS/ARCH[/VARIANT], e.g. linux/amd64)");
  EXPECT_NE(msg(R"("bases": {"debian:12": {"digest": ")" + kDigestA + R"(", "platfrom": "linux/amd64"}})")
                .find("unknown key \"platfrom\""),
            std::string::npos);
  EXPECT_EQ(msg(R"("artifacts": {"a/b:1": [{"dest": "/x", "url": "https://h/x", "size": 1}]})"),
            "w.lock: artifacts[\"a/b:1\"][0]: missing \"sha256\" (expected a string)");
  EXPECT_EQ(msg(R"("artifacts": {"a/b:1": [{"dest": "/x", "url": "https://u:pw@h/x", "size": 1, "sha256": ")" +
                std::string(64, 'e') + R"("}]})"),
            "w.lock: artifacts[\"a/b:1\"][0]: \"url\" carries credentials (expected none in a lock)");
  EXPECT_EQ(msg(R"("artifacts": {"a/b:1": {}})"), "w.lock: artifacts[\"a/b:1\"]: expected a list");
  EXPECT_EQ(msg(R"("bases": [])"), "w.lock: \"bases\" (expected an object)");
}

TEST(Lock, MovedBaseMessageIsOneLineNamingBothDigestsAndTheFix) {
  std::string m = base_moved_message("nvidia/cuda:10.0-cudnn7-runtime-ubuntu16.04", kDigestA, kDigestB, "oci:bases");
  EXPECT_EQ(m, "base nvidia/cuda:10.0-cudnn7-runtime-ubuntu16.04: the lock pins " + kDigestA + " but oci:bases has " +
                   kDigestB +
                   "; run `dlimage lock --upgrade-base nvidia/cuda:10.0-cudnn7-runtime-ubuntu16.04` to re-pin it");
  EXPECT_EQ(m.find('\n'), std::string::npos);
}

TEST(Lock, ConcurrentWritersKeepEachOthersPins) {
  TempDir d;
  std::string path = (d.path() / "wheels.lock").string();
  ASSERT_TRUE(write_lock(path, pinned()).ok());
  ASSERT_TRUE(update_lock(path, [](Lock& l) -> Status {
                l.environments.erase("cell-a python3.11");
                return {};
              }).ok());
  auto back = load_lock(path);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->bases, pinned().bases);
  EXPECT_EQ(back->artifacts.size(), 1u);
}

// Not a lock test, but the one default every command that downloads uses.
TEST(CacheDir, AnEmptyVariableIsAnUnsetOne) {
  struct Env {
    std::string name;
    std::optional<std::string> old;
    Env(std::string n, const char* v) : name(std::move(n)) {
      if (const char* o = std::getenv(name.c_str())) old = o;
      ::setenv(name.c_str(), v, 1);
    }
    ~Env() { old ? ::setenv(name.c_str(), old->c_str(), 1) : ::unsetenv(name.c_str()); }
  };
  Env home("HOME", "/home/u"), xdg("XDG_CACHE_HOME", ""), dl("DLIMAGE_CACHE", "");
  EXPECT_EQ(default_cache_dir(), "/home/u/.cache/dlimage") << "XDG_CACHE_HOME= must not mean /dlimage";
  Env xdg2("XDG_CACHE_HOME", "/xdg");
  EXPECT_EQ(default_cache_dir(), "/xdg/dlimage");
  Env dl2("DLIMAGE_CACHE", "/c");
  EXPECT_EQ(default_cache_dir(), "/c");
}

}  // namespace
}  // namespace dl::wheel
