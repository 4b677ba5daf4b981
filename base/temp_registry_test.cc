// TempDirs are removed on every way out: destructor, SIGTERM/SIGINT, and,
// after a SIGKILL, by the next process that makes one with the same prefix.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "base/fs.h"

namespace dl {
namespace {

namespace fs = std::filesystem;

// Runs `body` in a child; returns the temp dir path the child reported.
std::string in_child(void (*body)(int fd)) {
  int p[2];
  EXPECT_EQ(::pipe(p), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(p[0]);
    body(p[1]);
    ::_exit(0);
  }
  ::close(p[1]);
  char buf[600] = {0};
  ssize_t n = ::read(p[0], buf, sizeof buf - 1);
  ::close(p[0]);
  int st = 0;
  ::waitpid(pid, &st, 0);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

void report(int fd, const TempDir& d) {
  std::ofstream(d.path() / "spooled-blob") << "partial";
  fs::create_directories(d.path() / "sub" / "deeper");
  std::ofstream(d.path() / "sub" / "deeper" / "f") << "x";
  std::string s = d.path().string();
  (void)!::write(fd, s.data(), s.size());
}

TEST(TempDirCleanup, RemovedWhenTheProcessIsTerminated) {
  for (int sig : {SIGTERM, SIGINT}) {
    static int signal_to_send;
    signal_to_send = sig;
    std::string path = in_child([](int fd) {
      TempDir d("dl-tempreg-test");
      report(fd, d);
      ::raise(signal_to_send);
      ::pause();
    });
    ASSERT_FALSE(path.empty());
    EXPECT_FALSE(fs::exists(path)) << path << " left behind after signal " << sig;
  }
}

TEST(TempDirCleanup, OrphanOfAKilledRunIsRemovedByTheNext) {
  std::string path = in_child([](int fd) {
    static TempDir* d = new TempDir("dl-tempreg-kill");
    report(fd, *d);
    ::raise(SIGKILL);
  });
  ASSERT_FALSE(path.empty());
  ASSERT_TRUE(fs::exists(path)) << "SIGKILL cannot be caught, so the directory stays until the next run";
  EXPECT_NE(path.find("dl-tempreg-kill-"), std::string::npos);
  {
    TempDir next("dl-tempreg-kill");
    EXPECT_FALSE(fs::exists(path)) << "the next run did not remove " << path;
    EXPECT_TRUE(fs::exists(next.path()));
  }
  // A live process's directory is never touched.
  TempDir mine("dl-tempreg-live");
  TempDir other("dl-tempreg-live");
  EXPECT_TRUE(fs::exists(mine.path()));
}

TEST(TempDirCleanup, RemovedByTheDestructor) {
  fs::path p;
  {
    TempDir d("dl-tempreg-scope");
    p = d.path();
    std::ofstream(p / "f") << "x";
  }
  EXPECT_FALSE(fs::exists(p));
}

}  // namespace
}  // namespace dl
