#include "base/confined.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace dl {

namespace fs = std::filesystem;

namespace {

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

Result<std::string> read_bounded(const fs::path& path, std::size_t max_bytes, std::string_view what) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    return Error(e == ENOENT ? ErrorKind::not_found : ErrorKind::io,
                 path.string() + ": cannot read " + std::string(what) + ": " + std::strerror(e));
  }
  Fd owned{fd};
  std::string out;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error(path.string() + ": read failed: " + std::strerror(errno));
    if (n == 0) return out;
    if (out.size() + size_t(n) > max_bytes)
      return invalid(path.string() + ": " + std::string(what) + " is larger than " + std::to_string(max_bytes) +
                     " bytes; expected at most that");
    out.append(buf, size_t(n));
  }
}

Result<fs::path> resolve_beneath(const fs::path& root, std::string_view rel, std::string_view what) {
  std::string w(what), r(rel);
  if (r.empty()) return invalid(w + ": empty path; expected a path relative to " + root.string());
  fs::path p(r);
  if (p.is_absolute()) return invalid(w + " '" + r + "': absolute path; expected a path relative to " + root.string());
  for (const auto& part : p)
    if (part == "..")
      return invalid(w + " '" + r + "': '..' leads out of " + root.string() + "; expected a path inside it");
  std::error_code ec;
  fs::path base = fs::canonical(root, ec);
  if (ec) return not_found(w + ": " + root.string() + ": " + ec.message());
  fs::path target = fs::canonical(base / p, ec);
  if (ec) return not_found(w + " '" + r + "': " + (base / p).string() + ": " + ec.message());
  auto [b, t] = std::mismatch(base.begin(), base.end(), target.begin(), target.end());
  if (b != base.end())
    return invalid(w + " '" + r + "': resolves to " + target.string() + " through a symlink, outside " + base.string() +
                   "; expected a file inside it");
  return target;
}

Result<int> open_regular_beneath(const fs::path& root, const std::vector<std::string>& parts) {
  fs::path shown = root;
  int dfd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) {
    int e = errno;
    return Error(e == ENOENT ? ErrorKind::not_found : ErrorKind::io,
                 root.string() + ": cannot open: " + std::strerror(e));
  }
  Fd dir{dfd};
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string& n = parts[i];
    shown /= n;
    if (n.empty() || n == "." || n == ".." || n.find('/') != std::string::npos)
      return invalid(shown.string() + ": '" + n + "' is not a plain name; expected one path component");
    bool last = i + 1 == parts.size();
    int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (last ? O_NONBLOCK : O_DIRECTORY);
    int fd = ::openat(dir.fd, n.c_str(), flags);
    if (fd < 0) {
      int e = errno;
      if (e == ELOOP || e == ENOTDIR)
        return invalid(shown.string() + ": is a symlink or not a " + (last ? "file" : "directory") +
                       "; expected a real one (a link could lead outside " + root.string() + ")");
      return Error(e == ENOENT ? ErrorKind::not_found : ErrorKind::io,
                   shown.string() + ": cannot open: " + std::strerror(e));
    }
    if (!last) {
      ::close(dir.fd);
      dir.fd = fd;
      continue;
    }
    struct stat st;
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      return invalid(shown.string() + ": not a regular file; expected one");
    }
    // O_NONBLOCK only kept a FIFO from blocking the open.
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return fd;
  }
  return invalid(root.string() + ": no path given");
}

}  // namespace dl
