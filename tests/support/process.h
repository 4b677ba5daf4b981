// Child processes for tests: run skopeo, umoci, docker-registry, dlimage...
// with an explicit argv and environment, no shell in between, so arguments
// never need quoting and a test fails with the exact command it ran.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "base/result.h"

namespace dl::test {

struct SpawnOptions {
  // Extra/overriding environment variables; the parent's environment is
  // inherited unless clear_env is set.
  std::map<std::string, std::string> env;
  bool clear_env = false;
  std::string cwd;            // empty: inherit
  std::string stdout_path;    // empty: captured into ProcessResult::out (run) or /dev/null (spawn)
  std::string stderr_path;    // empty: captured into ProcessResult::err (run) or /dev/null (spawn)
  bool merge_stderr = false;  // stderr goes where stdout goes
  std::string stdin_data;     // run() only: fed to the child's stdin
};

struct ProcessResult {
  int exit_code = -1;  // exit status, or 128+signal when killed by a signal
  std::string out;     // captured stdout (when not redirected to a file)
  std::string err;     // captured stderr (when not redirected to a file)
  bool ok() const { return exit_code == 0; }
  // "exit 1: <stderr tail>" for assertion messages.
  std::string describe() const;
};

// A running child in its own process group. Destruction kills it
// (SIGTERM to the group, SIGKILL after a grace period) and reaps it.
class ChildProcess {
 public:
  static Result<ChildProcess> spawn(const std::vector<std::string>& argv, const SpawnOptions& opts = {});

  ChildProcess(ChildProcess&& o) noexcept;
  ChildProcess& operator=(ChildProcess&& o) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  // Non-blocking: true while the child has not exited.
  bool running();
  // Blocks until exit; returns the exit code (128+signal when signalled).
  int wait();
  // SIGTERM to the process group, SIGKILL after `grace`; returns exit code.
  int kill(std::chrono::milliseconds grace = std::chrono::milliseconds(2000));

 private:
  friend Result<struct ProcessResult> run(const std::vector<std::string>&, const SpawnOptions&, std::chrono::seconds);
  ChildProcess() = default;
  pid_t pid_ = -1;
  int status_ = -1;  // exit code once reaped
};

// Runs argv to completion capturing stdout/stderr (unless redirected),
// killing it after `timeout`. Error only when the program cannot be started
// or timed out; a non-zero exit is reported in ProcessResult::exit_code.
Result<ProcessResult> run(const std::vector<std::string>& argv, const SpawnOptions& opts = {},
                          std::chrono::seconds timeout = std::chrono::seconds(120));

// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it,
// close). Racy by nature; callers that bind it themselves should retry.
Result<int> free_port();

// Polls until a TCP connect to 127.0.0.1:port succeeds or `timeout` passes.
bool wait_for_port(int port, std::chrono::milliseconds timeout);

// Absolute path of a program found in PATH, or "" when missing
// (tests use it to GTEST_SKIP with a message naming the Debian package).
std::string find_program(const std::string& name);

}  // namespace dl::test
