#include "base/verified.h"

#include <gtest/gtest.h>
#include <chrono>
#include <thread>

#include "base/fs.h"

namespace dl {

TEST(Verified, RememberedUntilTheFileChanges) {
  TempDir dir;
  std::string f = (dir.path() / "blob").string();
  ASSERT_TRUE(write_file_atomic(f, "bytes").ok());
  EXPECT_FALSE(verified_before(f, "sha256:x 5"));
  remember_verified(f, "sha256:x 5");
  EXPECT_TRUE(verified_before(f, "sha256:x 5"));
  EXPECT_FALSE(verified_before(f, "sha256:y 5")) << "another claim about the same file is not proven";
  // Replaced by a rename (a new inode), as a rewritten blob is.
  ASSERT_TRUE(write_file_atomic(f, "other").ok());
  EXPECT_FALSE(verified_before(f, "sha256:x 5"));
  remember_verified(f, "sha256:x 5");
  // Touched in place: the status-change time moves (past the clock's
  // coarse tick first).
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  fs::permissions(f, fs::perms::owner_read);
  EXPECT_FALSE(verified_before(f, "sha256:x 5"));
  EXPECT_FALSE(verified_before((dir.path() / "missing").string(), "sha256:x 5"));
}

// Across processes (the saved file): what a build verified is loaded by the
// next one; an entry whose file changed since, a malformed line and a
// status change younger than the racy margin are not trusted.
TEST(Verified, SavedAndLoadedAcrossProcesses) {
  TempDir dir;
  // A file whose status has not changed for long: the racy rule lets it be saved.
  const std::string old_file = fs::canonical("/etc/os-release").string();  // a regular file, not the link
  ASSERT_TRUE(fs::is_regular_file(fs::symlink_status(old_file)));
  remember_verified(old_file, "claim old");
  std::string fresh = (dir.path() / "fresh").string();
  ASSERT_TRUE(write_file_atomic(fresh, "bytes").ok());
  remember_verified(fresh, "claim fresh");
  std::string memo = (dir.path() / "memo" / "verified").string();
  ASSERT_TRUE(save_verified(memo).ok());
  auto text = read_file(memo).value();
  EXPECT_NE(text.find("\tclaim old\t" + old_file + "\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("claim fresh"), std::string::npos) << "changed within the racy margin: not saved\n" << text;

  // Another process's memo: the same identity proves the claim; a line with
  // another identity, or malformed, proves nothing.
  std::string line = text.substr(0, text.find('\t'));
  std::string other = (dir.path() / "other").string();
  ASSERT_TRUE(write_file_atomic(other, "x").ok());
  std::string loaded = line + "\tclaim loaded\t" + old_file + "\n" +  // right identity
                       line + "\tclaim wrong\t" + other + "\n" +      // another file's identity
                       "1 2 3\tclaim short\t" + other + "\n" +        // malformed
                       "no tabs at all\n";
  std::string memo2 = (dir.path() / "memo2").string();
  ASSERT_TRUE(write_file_atomic(memo2, loaded).ok());
  EXPECT_FALSE(verified_before(old_file, "claim loaded"));
  load_verified(memo2);
  EXPECT_TRUE(verified_before(old_file, "claim loaded"));
  EXPECT_FALSE(verified_before(other, "claim wrong"));
  EXPECT_FALSE(verified_before(other, "claim short"));
  load_verified((dir.path() / "missing").string());  // nothing, no crash
}

}  // namespace dl
