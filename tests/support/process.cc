#include "tests/support/process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

extern char** environ;

namespace dl::test {
namespace {

using Clock = std::chrono::steady_clock;

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::vector<std::string> build_env(const SpawnOptions& opts) {
  std::map<std::string, std::string> env;
  if (!opts.clear_env) {
    for (char** e = environ; *e; ++e) {
      std::string kv(*e);
      auto eq = kv.find('=');
      if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
  }
  for (const auto& [k, v] : opts.env) env[k] = v;
  std::vector<std::string> out;
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

// Only async-signal-safe calls between fork and exec: everything is prepared
// before fork, and failures are reported through a CLOEXEC pipe.
struct Prepared {
  std::vector<std::string> argv_s, env_s;
  std::vector<char*> argv, envp;
};

[[noreturn]] void child_fail(int err_fd, int err) {
  ssize_t n = ::write(err_fd, &err, sizeof err);
  (void)n;
  _exit(127);
}

Result<pid_t> fork_exec(const std::vector<std::string>& argv, const SpawnOptions& opts, int in_fd, int out_fd,
                        int err_fd) {
  if (argv.empty()) return invalid("spawn: empty argv");
  Prepared p;
  p.argv_s = argv;
  p.env_s = build_env(opts);
  for (auto& s : p.argv_s) p.argv.push_back(s.data());
  p.argv.push_back(nullptr);
  for (auto& s : p.env_s) p.envp.push_back(s.data());
  p.envp.push_back(nullptr);

  int errpipe[2];
  if (::pipe2(errpipe, O_CLOEXEC) != 0) return io_error(std::string("pipe: ") + std::strerror(errno));
  pid_t pid = ::fork();
  if (pid < 0) {
    int e = errno;
    ::close(errpipe[0]);
    ::close(errpipe[1]);
    return io_error(std::string("fork: ") + std::strerror(e));
  }
  if (pid == 0) {
    ::close(errpipe[0]);
    ::setpgid(0, 0);
    // Restore default signal handling the test runner may have changed.
    ::signal(SIGPIPE, SIG_DFL);
    if (in_fd >= 0 && ::dup2(in_fd, 0) < 0) child_fail(errpipe[1], errno);
    if (out_fd >= 0 && ::dup2(out_fd, 1) < 0) child_fail(errpipe[1], errno);
    if (err_fd >= 0 && ::dup2(err_fd, 2) < 0) child_fail(errpipe[1], errno);
    if (!opts.cwd.empty() && ::chdir(opts.cwd.c_str()) != 0) child_fail(errpipe[1], errno);
    ::execvpe(p.argv[0], p.argv.data(), p.envp.data());
    child_fail(errpipe[1], errno);
  }
  ::setpgid(pid, pid);  // also from the parent, so kill(-pid) works at once
  ::close(errpipe[1]);
  int child_errno = 0;
  ssize_t n;
  do {
    n = ::read(errpipe[0], &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  ::close(errpipe[0]);
  if (n == sizeof child_errno) {
    int st;
    ::waitpid(pid, &st, 0);
    return Error(ErrorKind::not_found, "cannot start " + argv[0] + ": " + std::strerror(child_errno));
  }
  return pid;
}

Result<int> open_out(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return io_error("open " + path + ": " + std::strerror(errno));
  return fd;
}

}  // namespace

std::string ProcessResult::describe() const {
  std::string tail = err.size() > 2000 ? err.substr(err.size() - 2000) : err;
  if (tail.empty()) tail = out.size() > 2000 ? out.substr(out.size() - 2000) : out;
  return "exit " + std::to_string(exit_code) + ": " + tail;
}

Result<ChildProcess> ChildProcess::spawn(const std::vector<std::string>& argv, const SpawnOptions& opts) {
  int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  int out_fd = null_fd, err_fd = null_fd;
  if (!opts.stdout_path.empty()) {
    auto fd = open_out(opts.stdout_path);
    if (!fd.ok()) {
      ::close(null_fd);
      return fd.error();
    }
    out_fd = *fd;
  }
  if (opts.merge_stderr) {
    err_fd = out_fd;
  } else if (!opts.stderr_path.empty()) {
    auto fd = open_out(opts.stderr_path);
    if (!fd.ok()) {
      ::close(null_fd);
      if (out_fd != null_fd) ::close(out_fd);
      return fd.error();
    }
    err_fd = *fd;
  }
  auto pid = fork_exec(argv, opts, null_fd, out_fd, err_fd);
  if (out_fd != null_fd) ::close(out_fd);
  if (err_fd != null_fd && err_fd != out_fd) ::close(err_fd);
  ::close(null_fd);
  if (!pid.ok()) return pid.error();
  ChildProcess c;
  c.pid_ = *pid;
  return c;
}

ChildProcess::ChildProcess(ChildProcess&& o) noexcept : pid_(o.pid_), status_(o.status_) { o.pid_ = -1; }

ChildProcess& ChildProcess::operator=(ChildProcess&& o) noexcept {
  if (this != &o) {
    if (pid_ > 0) kill();
    pid_ = o.pid_;
    status_ = o.status_;
    o.pid_ = -1;
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) kill();
}

bool ChildProcess::running() {
  if (pid_ <= 0) return false;
  int st;
  pid_t r = ::waitpid(pid_, &st, WNOHANG);
  if (r == pid_) {
    status_ = decode_status(st);
    // Keep the group id around for kill(); the leader is gone.
    ::kill(-pid_, SIGKILL);
    pid_ = -pid_;
    return false;
  }
  return r == 0;
}

int ChildProcess::wait() {
  if (pid_ <= 0) return status_;
  int st;
  while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
  }
  status_ = decode_status(st);
  pid_ = -pid_;
  return status_;
}

int ChildProcess::kill(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return status_;
  ::kill(-pid_, SIGTERM);
  auto deadline = Clock::now() + grace;
  while (Clock::now() < deadline) {
    if (!running()) return status_;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::kill(-pid_, SIGKILL);
  return wait();
}

Result<ProcessResult> run(const std::vector<std::string>& argv, const SpawnOptions& opts,
                          std::chrono::seconds timeout) {
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) != 0) return io_error("pipe failed");
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return io_error("pipe failed");
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) return io_error("pipe failed");
  int out_fd = out_pipe[1], err_fd = err_pipe[1];
  int file_out = -1, file_err = -1;
  if (!opts.stdout_path.empty()) {
    auto fd = open_out(opts.stdout_path);
    if (!fd.ok()) return fd.error();
    out_fd = file_out = *fd;
  }
  if (opts.merge_stderr) {
    err_fd = out_fd;
  } else if (!opts.stderr_path.empty()) {
    auto fd = open_out(opts.stderr_path);
    if (!fd.ok()) return fd.error();
    err_fd = file_err = *fd;
  }
  auto pid = fork_exec(argv, opts, in_pipe[0], out_fd, err_fd);
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (file_out >= 0) ::close(file_out);
  if (file_err >= 0) ::close(file_err);
  if (!pid.ok()) {
    ::close(in_pipe[1]);
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    return pid.error();
  }
  ChildProcess child;
  child.pid_ = *pid;

  ProcessResult res;
  size_t in_off = 0;
  int in_w = in_pipe[1];
  ::fcntl(in_w, F_SETFL, O_NONBLOCK);
  if (opts.stdin_data.empty()) {
    ::close(in_w);
    in_w = -1;
  }
  int fds[2] = {out_pipe[0], err_pipe[0]};
  std::string* sinks[2] = {&res.out, &res.err};
  auto deadline = Clock::now() + timeout;
  bool timed_out = false;
  while (fds[0] >= 0 || fds[1] >= 0 || in_w >= 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd pfd[3];
    int n = 0;
    int idx[3];
    for (int i = 0; i < 2; ++i)
      if (fds[i] >= 0) {
        pfd[n] = {fds[i], POLLIN, 0};
        idx[n++] = i;
      }
    if (in_w >= 0) {
      pfd[n] = {in_w, POLLOUT, 0};
      idx[n++] = 2;
    }
    int r = ::poll(pfd, n, static_cast<int>(std::min<long long>(left, 1000)));
    if (r < 0 && errno != EINTR) break;
    for (int k = 0; k < n; ++k) {
      if (!pfd[k].revents) continue;
      if (idx[k] == 2) {
        ssize_t w = ::write(in_w, opts.stdin_data.data() + in_off, opts.stdin_data.size() - in_off);
        if (w > 0) in_off += static_cast<size_t>(w);
        if (w < 0 || in_off == opts.stdin_data.size()) {
          ::close(in_w);
          in_w = -1;
        }
        continue;
      }
      char buf[65536];
      ssize_t got = ::read(fds[idx[k]], buf, sizeof buf);
      if (got > 0) {
        sinks[idx[k]]->append(buf, static_cast<size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        ::close(fds[idx[k]]);
        fds[idx[k]] = -1;
      }
    }
  }
  for (int fd : fds)
    if (fd >= 0) ::close(fd);
  if (in_w >= 0) ::close(in_w);
  if (timed_out) {
    child.kill(std::chrono::milliseconds(500));
    return Error(ErrorKind::network,
                 argv[0] + " timed out after " + std::to_string(timeout.count()) + "s; stderr: " + res.err, true);
  }
  res.exit_code = child.wait();
  return res;
}

Result<int> free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return io_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return io_error(std::string("bind 127.0.0.1:0: ") + std::strerror(errno));
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return static_cast<int>(ntohs(addr.sin_port));
}

bool wait_for_port(int port, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    int r = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::close(fd);
    if (r == 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

std::string find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0 ? name : "";
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= p.size()) {
    size_t end = p.find(':', start);
    if (end == std::string::npos) end = p.size();
    std::string dir = p.substr(start, end - start);
    if (dir.empty()) dir = ".";
    std::string cand = dir + "/" + name;
    struct stat st;
    if (::stat(cand.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(cand.c_str(), X_OK) == 0) return cand;
    start = end + 1;
  }
  return "";
}

}  // namespace dl::test
