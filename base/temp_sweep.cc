#include "base/temp_sweep.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <string>

namespace dl {

namespace fs = std::filesystem;

Status lock_temp_file(int fd, const fs::path& shown) {
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    return io_error(shown.string() + ": cannot lock temp file: " + std::strerror(errno));
  }
  return {};
}

bool is_atomic_temp_name(std::string_view name) {
  return name.size() > 1 && name[0] == '.' && name.find(".tmp-") != std::string_view::npos;
}

Result<std::size_t> sweep_dead_temp(const fs::path& dir, const std::function<bool(std::string_view)>& is_temp,
                                    std::chrono::seconds min_age) {
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) {
    if (errno == ENOENT) return std::size_t(0);
    return io_error(dir.string() + ": cannot open to remove stale temp files: " + std::strerror(errno));
  }
  std::size_t removed = 0;
  std::error_code ec;
  std::time_t now = std::time(nullptr);
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (!is_temp(name)) continue;
    int fd = ::openat(dfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) continue;  // gone already, or a symlink: not ours
    struct stat st;
    bool old_enough = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && now - st.st_mtime >= min_age.count();
    // Holding the lock while unlinking: a writer cannot take it in between.
    if (old_enough && ::flock(fd, LOCK_EX | LOCK_NB) == 0 && ::unlinkat(dfd, name.c_str(), 0) == 0) ++removed;
    ::close(fd);
  }
  ::close(dfd);
  if (ec) return io_error(dir.string() + ": listing temp files: " + ec.message());
  return removed;
}

}  // namespace dl
