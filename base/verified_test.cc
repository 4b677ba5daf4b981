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

}  // namespace dl
