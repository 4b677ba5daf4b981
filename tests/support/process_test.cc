#include "tests/support/process.h"

#include <gtest/gtest.h>

#include <thread>

#include "base/fs.h"
#include "base/strings.h"

namespace dl::test {
namespace {

TEST(ProcessTest, RunCapturesOutputExitCodeAndStdin) {
  SpawnOptions opts;
  opts.env["FOO"] = "bar";
  opts.stdin_data = "hello\n";
  auto r = run({"sh", "-c", "read x; echo out:$x; echo err:$FOO >&2; exit 3"}, opts);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->out, "out:hello\n");
  EXPECT_EQ(r->err, "err:bar\n");
  EXPECT_NE(r->describe().find("exit 3"), std::string::npos);
}

TEST(ProcessTest, ClearEnvAndCwd) {
  TempDir tmp;
  SpawnOptions opts;
  opts.clear_env = true;
  opts.env["ONLY"] = "1";
  opts.cwd = tmp.path().string();
  auto r = run({"/bin/sh", "-c", "env | grep -c =; pwd"}, opts);
  ASSERT_TRUE(r.ok());
  // sh itself may add PWD/SHLVL; nothing from the parent leaks through.
  EXPECT_EQ(r->out.find("HOME="), std::string::npos);
  EXPECT_NE(r->out.find(tmp.path().string()), std::string::npos) << r->out;
}

TEST(ProcessTest, MissingProgramIsAnErrorNotACrash) {
  auto r = run({"/nonexistent/dl-no-such-tool"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), ErrorKind::not_found);
  EXPECT_NE(r.error().message().find("dl-no-such-tool"), std::string::npos);
  EXPECT_TRUE(find_program("dl-no-such-tool").empty());
  EXPECT_FALSE(find_program("sh").empty());
}

TEST(ProcessTest, TimeoutKillsTheChild) {
  auto r = run({"sleep", "30"}, {}, std::chrono::seconds(1));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().is_temporary());
  EXPECT_NE(r.error().message().find("timed out"), std::string::npos);
}

// A sleeping grandchild is gone (or a zombie awaiting its reaper).
bool process_gone(const std::string& pid) {
  for (int i = 0; i < 200; ++i) {
    auto stat = read_file("/proc/" + pid + "/stat");
    if (!stat.ok()) return true;
    auto close_paren = stat->rfind(')');
    if (close_paren != std::string::npos && stat->substr(close_paren + 2, 1) == "Z") return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

TEST(ProcessTest, SpawnedChildIsKilledWithItsProcessGroup) {
  TempDir tmp;
  std::string out = (tmp.path() / "out.txt").string();
  SpawnOptions opts;
  opts.stdout_path = out;
  // The grandchild (sleep) shares the group and must die too.
  auto c = ChildProcess::spawn({"sh", "-c", "sleep 30 & echo $!; wait"}, opts);
  ASSERT_TRUE(c.ok()) << c.error().message();
  std::string grandchild;
  for (int i = 0; i < 500 && grandchild.empty(); ++i) {
    auto text = read_file(out);
    if (text.ok() && !text->empty() && text->back() == '\n')
      grandchild = trim(*text);
    else
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_FALSE(grandchild.empty());
  EXPECT_TRUE(c->running());
  int code = c->kill(std::chrono::milliseconds(2000));
  EXPECT_EQ(code, 128 + 15);  // SIGTERM
  EXPECT_FALSE(c->running());
  EXPECT_TRUE(process_gone(grandchild)) << "grandchild " << grandchild << " survived";
}

TEST(ProcessTest, FreePortIsBindableAndWaitForPortTimesOut) {
  auto port = free_port();
  ASSERT_TRUE(port.ok());
  EXPECT_GT(*port, 0);
  EXPECT_FALSE(wait_for_port(*port, std::chrono::milliseconds(50)));
}

}  // namespace
}  // namespace dl::test
