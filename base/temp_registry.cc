#include "base/temp_registry.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>

namespace dl::detail {

namespace {

// Fixed storage the signal handler can read without allocating.
constexpr int kSlots = 64;
constexpr size_t kPathMax = 512;
char g_paths[kSlots][kPathMax];
volatile sig_atomic_t g_used[kSlots];
std::mutex g_mu;

struct linux_dirent64 {
  ino64_t d_ino;
  off64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[1];  // really NUL-terminated, d_reclen long
};

// Async-signal-safe removal of a directory tree (syscalls only).
void remove_tree_at(int parent, const char* name, int depth) {
  if (depth > 16) return;
  int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0) {
    char buf[4096];
    for (;;) {
      long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
      if (n <= 0) break;
      for (long off = 0; off < n;) {
        auto* d = reinterpret_cast<linux_dirent64*>(buf + off);
        off += d->d_reclen;
        if (std::strcmp(d->d_name, ".") == 0 || std::strcmp(d->d_name, "..") == 0) continue;
        if (unlinkat(fd, d->d_name, 0) != 0 && (errno == EISDIR || errno == EPERM)) {
          remove_tree_at(fd, d->d_name, depth + 1);
        }
      }
    }
    close(fd);
  }
  unlinkat(parent, name, AT_REMOVEDIR);
}

void on_signal(int sig) {
  for (int i = 0; i < kSlots; ++i)
    if (g_used[i]) remove_tree_at(AT_FDCWD, g_paths[i], 0);
  signal(sig, SIG_DFL);
  raise(sig);
}

void install_handlers() {
  static bool done = false;
  if (done) return;
  done = true;
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) {
    struct sigaction old {};
    sigaction(sig, nullptr, &old);
    if (old.sa_handler != SIG_DFL) continue;  // someone else decided (or SIG_IGN)
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, nullptr);
  }
}

}  // namespace

void register_temp_dir(const std::string& path) {
  if (path.size() >= kPathMax) return;
  std::lock_guard<std::mutex> l(g_mu);
  install_handlers();
  for (int i = 0; i < kSlots; ++i) {
    if (g_used[i]) continue;
    std::memcpy(g_paths[i], path.c_str(), path.size() + 1);
    g_used[i] = 1;
    return;
  }
}

void unregister_temp_dir(const std::string& path) {
  std::lock_guard<std::mutex> l(g_mu);
  for (int i = 0; i < kSlots; ++i)
    if (g_used[i] && path == g_paths[i]) g_used[i] = 0;
}

void remove_orphaned_temp_dirs(const std::string& tmp, std::string_view prefix) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::string head = std::string(prefix) + "-";
  for (auto it = fs::directory_iterator(tmp, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.rfind(head, 0) != 0) continue;
    std::string rest = name.substr(head.size());
    size_t dash = rest.find('-');
    if (dash == 0 || dash == std::string::npos || rest.find_first_not_of("0123456789") != dash) continue;
    pid_t pid = static_cast<pid_t>(std::strtol(rest.substr(0, dash).c_str(), nullptr, 10));
    struct stat st {};
    if (lstat(it->path().c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid()) continue;
    if (pid <= 0 || kill(pid, 0) == 0 || errno != ESRCH) continue;  // alive, or not ours to judge
    std::error_code rm;
    fs::remove_all(it->path(), rm);
  }
}

}  // namespace dl::detail
