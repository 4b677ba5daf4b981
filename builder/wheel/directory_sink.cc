// DirectorySink: the InstallSink that materialises a tree on disk.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <vector>

#include "builder/wheel/install.h"

namespace dl::wheel {

namespace fs = std::filesystem;

namespace {

std::string errno_text() { return std::strerror(errno); }

std::string temp_suffix() {
  static thread_local std::mt19937_64 rng(std::random_device{}() ^ uint64_t(::getpid()));
  return std::to_string(rng());
}

// Closes and unlinks a temp file unless released.
struct TempFile {
  int fd = -1;
  fs::path path;
  ~TempFile() {
    if (fd >= 0) ::close(fd);
    if (!path.empty()) ::unlink(path.c_str());
  }
};

}  // namespace

DirectorySink::DirectorySink(fs::path root, bool fsync_files) : root_(std::move(root)), fsync_(fsync_files) {
  std::error_code ec;
  fs::create_directories(root_, ec);
  canonical_root_ = fs::weakly_canonical(root_, ec);
}

// Refuses a directory that resolves outside the root: a symlink in the tree
// (say usr/local -> /usr/local in a careless base image) must not let an
// install write into the host.
Status DirectorySink::check_inside(const fs::path& dir) {
  if (checked_.count(dir.native())) return {};
  std::error_code ec;
  fs::path real = fs::canonical(dir, ec);
  if (ec) return io_error(dir.string() + ": " + ec.message());
  auto [r, d] = std::mismatch(canonical_root_.begin(), canonical_root_.end(), real.begin(), real.end());
  if (r != canonical_root_.end())
    return invalid(dir.string() + ": resolves to " + real.string() + ", outside the install root " +
                   canonical_root_.string());
  checked_.insert(dir.native());
  return {};
}

Status DirectorySink::add(const InstallEntry& entry, const Reader& read) {
  fs::path target = root_ / entry.path;
  std::error_code ec;
  if (entry.type == InstallEntry::Type::dir) {
    fs::create_directories(target, ec);
    if (ec) return io_error(target.string() + ": cannot create directory: " + ec.message());
    DL_TRY(check_inside(target));
    return {};
  }
  fs::path dir = target.parent_path();
  fs::create_directories(dir, ec);
  if (ec) return io_error(dir.string() + ": cannot create directory: " + ec.message());
  DL_TRY(check_inside(dir));
  TempFile tmp;
  tmp.path = dir / ("." + target.filename().string() + ".tmp-" + temp_suffix());
  if (entry.type == InstallEntry::Type::symlink) {
    if (::symlink(entry.link_target.c_str(), tmp.path.c_str()) != 0)
      return io_error(tmp.path.string() + ": cannot create symlink: " + errno_text());
  } else {
    tmp.fd = ::open(tmp.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (tmp.fd < 0) return io_error(tmp.path.string() + ": cannot create: " + errno_text());
    std::vector<char> buf(1 << 16);
    uint64_t written = 0;
    while (true) {
      auto n = read(buf.data(), buf.size());
      if (!n.ok()) return n.error();
      if (*n == 0) break;
      for (size_t off = 0; off < *n;) {
        ssize_t w = ::write(tmp.fd, buf.data() + off, *n - off);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return io_error(tmp.path.string() + ": write failed: " + errno_text());
        off += size_t(w);
      }
      written += *n;
    }
    if (written != entry.size)
      return Error(ErrorKind::internal,
                   entry.path + ": announced " + std::to_string(entry.size) + " bytes, got " + std::to_string(written));
    if (::fchmod(tmp.fd, entry.mode & 07777) != 0) return io_error(tmp.path.string() + ": chmod: " + errno_text());
    if (fsync_ && ::fsync(tmp.fd) != 0) return io_error(tmp.path.string() + ": fsync: " + errno_text());
    ::close(tmp.fd);
    tmp.fd = -1;
  }
  if (::rename(tmp.path.c_str(), target.c_str()) != 0)
    return io_error(target.string() + ": rename failed: " + errno_text());
  tmp.path.clear();
  return {};
}

}  // namespace dl::wheel
