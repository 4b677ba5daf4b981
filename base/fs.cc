#include "base/fs.h"

#include <fcntl.h>
#include <unistd.h>
#include "base/temp_registry.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "base/temp_sweep.h"

namespace dl {

namespace {
std::string errno_text() { return std::strerror(errno); }

std::string random_suffix() {
  static thread_local std::mt19937_64 rng(std::random_device{}() ^ (uint64_t(getpid()) << 32));
  static const char* k = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string s(10, 'x');
  for (auto& c : s) c = k[rng() % 36];
  return s;
}
}  // namespace

Result<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(ErrorKind::not_found, path.string() + ": cannot open: " + errno_text());
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return io_error(path.string() + ": read failed");
  return ss.str();
}

Status ensure_dir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return io_error(dir.string() + ": cannot create directory: " + ec.message());
  return {};
}

Status write_file_atomic(const fs::path& path, std::string_view data) {
  DL_ASSIGN_OR_RETURN(auto f, AtomicFile::create(path));
  DL_TRY(f.write(data));
  return f.commit();
}

Result<AtomicFile> AtomicFile::create(const fs::path& target) {
  fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  DL_TRY(ensure_dir(dir));
  // Built by appending: GCC 12 at -O3 raises a false -Wrestrict on
  // `"." + std::string&&` (a Debian 12 Release build must not fail on it).
  std::string name = ".";
  name += target.filename().string();
  name += ".tmp-";
  name += random_suffix();
  fs::path tmp = dir / name;
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return io_error(tmp.string() + ": cannot create: " + errno_text());
  AtomicFile f(target, tmp, fd);
  DL_TRY(lock_temp_file(fd, tmp));  // marks it live for sweep_dead_temp
  return f;
}

AtomicFile::AtomicFile(AtomicFile&& o) noexcept : target_(std::move(o.target_)), tmp_(std::move(o.tmp_)), fd_(o.fd_) {
  o.fd_ = -1;
  o.tmp_.clear();
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!tmp_.empty()) {
    std::error_code ec;
    fs::remove(tmp_, ec);
  }
}

Status AtomicFile::write(const void* data, size_t len) {
  const char* p = static_cast<const char*>(data);
  while (len > 0) {
    ssize_t n = ::write(fd_, p, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error(tmp_.string() + ": write failed: " + errno_text());
    }
    p += n;
    len -= size_t(n);
  }
  return {};
}

Status AtomicFile::commit() {
  if (fd_ < 0) return Error(ErrorKind::internal, target_.string() + ": committed twice");
  if (::fsync(fd_) != 0) return io_error(tmp_.string() + ": fsync failed: " + errno_text());
  ::close(fd_);
  fd_ = -1;
  if (::rename(tmp_.c_str(), target_.c_str()) != 0)
    return io_error(target_.string() + ": rename failed: " + errno_text());
  tmp_.clear();
  return {};
}

// Never throws: when the directory cannot be made, path() is empty (and the
// reason is on stderr); library callers check for that.
TempDir::TempDir(std::string_view prefix) {
  std::error_code ec;
  fs::path base = fs::temp_directory_path(ec);
  if (ec) {
    std::fprintf(stderr, "dlimage: no temporary directory: %s\n", ec.message().c_str());
    return;
  }
  detail::remove_orphaned_temp_dirs(base.string(), prefix);
  std::string tmpl = (base / (std::string(prefix) + "-" + std::to_string(getpid()) + "-XXXXXX")).string();
  if (!::mkdtemp(tmpl.data())) {
    std::fprintf(stderr, "dlimage: %s: mkdtemp failed: %s\n", tmpl.c_str(), errno_text().c_str());
    return;
  }
  path_ = tmpl;
  detail::register_temp_dir(path_.string());
}

TempDir::~TempDir() {
  detail::unregister_temp_dir(path_.string());
  std::error_code ec;
  fs::remove_all(path_, ec);
}

}  // namespace dl
