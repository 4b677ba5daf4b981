#include "builder/wheel/lock.h"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

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
  return {w.name, w.version, file, p.string(), Sha256::hex(read_file(p).value()), fs::file_size(p)};
}

Lock sample() {
  Lock l;
  l.cells["cell-b"] = {locked("good-1.0-py3-none-any.whl"), locked("dep-1.5-py3-none-any.whl")};
  l.cells["cell-a"] = {locked("dep-1.5-py3-none-any.whl")};
  l.cells["cell-c"] = {locked("plat-2.0-cp311-cp311-linux_x86_64.whl")};
  return l;
}

// Eight processes, each writing its own cells five times into one lock
// file, as shards of one build on one machine do: nothing is lost.
TEST(Lock, ConcurrentWritersMergeAndLoseNothing) {
  TempDir d;
  std::string path = (d.path() / "wheels.lock").string();
  constexpr int kWriters = 8, kRounds = 5;
  std::vector<pid_t> kids;
  for (int w = 0; w < kWriters; ++w) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      for (int r = 0; r < kRounds; ++r) {
        Lock mine;
        std::string key = "cell" + std::to_string(w) + "-" + std::to_string(r) + "@3.6";
        mine.cells[key] = {{"pip", "23.0", "pip-23.0-py3-none-any.whl", "https://h/pip.whl", std::string(64, 'a'), 1}};
        auto st = merge_lock(path, mine, [&](const std::string& k) { return k == key; });
        if (!st.ok()) _exit(1);
      }
      _exit(0);
    }
    kids.push_back(pid);
  }
  for (pid_t pid : kids) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  auto lock = load_lock(path);
  ASSERT_TRUE(lock.ok()) << lock.error().message();
  EXPECT_EQ(lock->cells.size(), size_t(kWriters * kRounds));

  // A writer replaces only the entries it owns, even when it holds a stale
  // copy of someone else's.
  Lock stale;
  stale.cells["cell0-0@3.6"] = {};
  stale.cells["mine@3.6"] = {};
  ASSERT_TRUE(merge_lock(path, stale, [](const std::string& k) { return k == "mine@3.6"; }).ok());
  auto after = load_lock(path);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->cells.at("cell0-0@3.6").size(), 1u) << "a stale copy overwrote another writer's entry";
  EXPECT_TRUE(after->cells.count("mine@3.6"));
}

TEST(Lock, RoundTripIsCanonical) {
  TempDir d;
  Lock l = sample();
  std::string path = (d.path() / "wheels.lock").string();
  ASSERT_TRUE(write_lock(path, l).ok());
  auto back = load_lock(path);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(lock_to_json(*back), read_file(path).value());
  // Wheel order inside a cell does not matter to the file.
  Lock shuffled = l;
  std::reverse(shuffled.cells["cell-b"].begin(), shuffled.cells["cell-b"].end());
  EXPECT_EQ(lock_to_json(shuffled), lock_to_json(l));
  std::string text = lock_to_json(l);
  EXPECT_LT(text.find("\"cell-a\""), text.find("\"cell-b\""));
  EXPECT_LT(text.find("\"dep\""), text.find("\"good\""));
}

TEST(Lock, ParseErrorsNameCellAndWheel) {
  EXPECT_EQ(parse_lock("{\"version\": 1, \"cells\": {\"c1\": [{\"name\": \"x\"}]}}", "w.lock").error().message(),
            "w.lock: cell c1: wheel 0: missing \"version\" string");
  EXPECT_EQ(parse_lock("[]", "w.lock").error().message(), "w.lock: not a JSON object (expected a wheel lock)");
  EXPECT_EQ(parse_lock("{\"version\": 2, \"cells\": {}}", "w.lock").error().message(), "w.lock: \"version\" (expected 1)");
}

TEST(Lock, ChangingOneWheelAffectsOnlyItsCells) {
  Lock before = sample();
  Lock after = before;
  for (auto& [id, wheels] : after.cells)
    for (auto& w : wheels)
      if (w.name == "dep") w.sha256[0] = w.sha256[0] == 'a' ? 'b' : 'a';
  EXPECT_EQ(affected_cells(before, after), (std::set<std::string>{"cell-a", "cell-b"}));
  EXPECT_TRUE(affected_cells(before, before).empty());
  Lock added = before;
  added.cells["cell-d"] = {};
  added.cells.erase("cell-c");
  EXPECT_EQ(affected_cells(before, added), (std::set<std::string>{"cell-c", "cell-d"}));
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
    auto fetched = fetch_locked(*lock, "cell-b", cache);
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
  lock.cells["cell-a"][0].size += 1;
  WheelCache cache(cache_dir.path());
  auto bad = fetch_locked(lock, "cell-a", cache);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind(), ErrorKind::integrity);
  EXPECT_NE(bad.error().message().find("lock says"), std::string::npos) << bad.error().message();
}

}  // namespace
}  // namespace dl::wheel
