// DirTreeSink: `dlimage deb install --root DIR`. Paths arrive resolved by the
// Tree, so every parent is a real directory; lstat checks that again (a
// symlink there means the tree changed under us) and nothing is followed.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/strings.h"
#include "builder/deb/installer.h"

namespace dl::deb {

namespace {
void set_owner(const fs::path& p, const layer::Entry& e) {
  if (::geteuid() == 0 && ::lchown(p.c_str(), e.uid, e.gid) != 0) { /* best effort, as tar does for non-root */
  }
}
// Sets the times of `p` itself (never a symlink's target).
Status set_mtime(const fs::path& p, std::int64_t mtime) {
  struct timespec ts[2] = {{mtime, 0}, {mtime, 0}};
  if (::utimensat(AT_FDCWD, p.c_str(), ts, AT_SYMLINK_NOFOLLOW) != 0)
    return io_error(p.string() + ": utimensat: " + std::strerror(errno));
  return {};
}
}  // namespace

DirTreeSink::DirTreeSink(fs::path root, std::int64_t source_date_epoch)
    : root_(std::move(root)), epoch_(source_date_epoch) {
  std::error_code ec;
  if (!fs::exists(root_, ec) || fs::is_empty(root_, ec)) created_dirs_.emplace("", epoch_);
}

Status DirTreeSink::check_parents(const std::string& rel) {
  fs::path p = root_;
  auto parts = split(rel, '/');
  std::string sub;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    p /= parts[i];
    sub += (i ? "/" : "") + parts[i];
    struct stat st;
    if (::lstat(p.c_str(), &st) != 0) {
      if (errno != ENOENT) return io_error(p.string() + ": " + std::strerror(errno));
      if (::mkdir(p.c_str(), 0755) != 0 && errno != EEXIST)
        return io_error(p.string() + ": mkdir: " + std::strerror(errno));
      created_dirs_.emplace(sub, epoch_);
      continue;
    }
    if (!S_ISDIR(st.st_mode)) return io_error(p.string() + ": not a directory (refusing to follow it)");
  }
  return {};
}

Status DirTreeSink::remove(const std::string& path) {
  // Only through real directories, as add() writes.
  fs::path p = root_;
  auto parts = split(path, '/');
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    p /= parts[i];
    struct stat st;
    if (::lstat(p.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return {};  // nothing there to delete
  }
  p = root_ / path;
  struct stat st;
  if (::lstat(p.c_str(), &st) != 0) return {};
  if (S_ISDIR(st.st_mode)) {
    // dpkg leaves a directory that still holds something.
    if (::rmdir(p.c_str()) != 0 && errno != ENOTEMPTY && errno != EEXIST)
      return io_error(p.string() + ": rmdir: " + std::strerror(errno));
  } else if (::unlink(p.c_str()) != 0) {  // a symlink itself, never its target
    return io_error(p.string() + ": unlink: " + std::strerror(errno));
  }
  created_dirs_.erase(path);
  return {};
}

Status DirTreeSink::finish() {
  for (const auto& [rel, mtime] : created_dirs_) DL_TRY(set_mtime(root_ / rel, mtime));
  return {};
}

Status DirTreeSink::add(const layer::Entry& e, const layer::ReadFn& content) {
  DL_TRY(check_parents(e.path));
  fs::path p = root_ / e.path;
  std::error_code ec;
  switch (e.type) {
    case layer::EntryType::dir: {
      struct stat st;
      if (::lstat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return {};
      if (::mkdir(p.c_str(), e.mode ? e.mode : 0755) != 0)
        return io_error(p.string() + ": mkdir: " + std::strerror(errno));
      set_owner(p, e);
      ::chmod(p.c_str(), e.mode ? e.mode : 0755);
      created_dirs_[e.path] = clamp(e.mtime);
      return {};
    }
    case layer::EntryType::symlink: {
      fs::path tmp = p.string() + ".dlimage-new";
      fs::remove(tmp, ec);
      if (::symlink(e.link_target.c_str(), tmp.c_str()) != 0)
        return io_error(p.string() + ": symlink: " + std::strerror(errno));
      set_owner(tmp, e);
      DL_TRY(set_mtime(tmp, clamp(e.mtime)));
      if (::rename(tmp.c_str(), p.c_str()) != 0) return io_error(p.string() + ": rename: " + std::strerror(errno));
      return {};
    }
    case layer::EntryType::hardlink: {
      fs::path tmp = p.string() + ".dlimage-new";
      fs::remove(tmp, ec);
      if (::link((root_ / e.link_target).c_str(), tmp.c_str()) != 0)
        return io_error(p.string() + ": link: " + std::strerror(errno));
      if (::rename(tmp.c_str(), p.c_str()) != 0) return io_error(p.string() + ": rename: " + std::strerror(errno));
      return {};
    }
    case layer::EntryType::file: break;
  }
  // Temp name + rename like dpkg's .dpkg-new, without a per-file fsync
  // (dpkg batches those; a tree of 7000 files would take a minute).
  fs::path tmp = p.string() + ".dlimage-new";
  fs::remove(tmp, ec);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return io_error(tmp.string() + ": " + std::strerror(errno));
  struct Closer {
    int fd;
    fs::path tmp;
    bool keep = false;
    ~Closer() {
      if (fd >= 0) ::close(fd);
      if (!keep) ::unlink(tmp.c_str());
    }
  } closer{fd, tmp};
  std::vector<char> buf(128 * 1024);
  std::uint64_t done = 0;
  while (content) {
    DL_ASSIGN_OR_RETURN(size_t n, content(buf.data(), buf.size()));
    if (n == 0) break;
    for (size_t off = 0; off < n;) {
      ssize_t w = ::write(fd, buf.data() + off, n - off);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return io_error(tmp.string() + ": write: " + std::strerror(errno));
      off += size_t(w);
    }
    done += n;
  }
  if (done != e.size)
    return invalid(e.path + ": " + std::to_string(done) + " bytes, expected " + std::to_string(e.size));
  if (::geteuid() == 0 && ::fchown(fd, e.uid, e.gid) != 0) { /* best effort, as tar does */
  }
  if (::fchmod(fd, e.mode ? e.mode : 0644) != 0) return io_error(p.string() + ": chmod: " + std::strerror(errno));
  const struct timespec ts[2] = {{clamp(e.mtime), 0}, {clamp(e.mtime), 0}};
  if (::futimens(fd, ts) != 0) return io_error(tmp.string() + ": futimens: " + std::strerror(errno));
  if (::close(fd) != 0) return io_error(tmp.string() + ": close: " + std::strerror(errno));
  closer.fd = -1;
  if (::rename(tmp.c_str(), p.c_str()) != 0) return io_error(p.string() + ": rename: " + std::strerror(errno));
  closer.keep = true;
  return {};
}

Tree::Fallback DirTreeSink::fallback() const {
  fs::path root = root_;
  return [root](const std::string& rel) -> std::optional<Node> {
    fs::path p = root / rel;
    struct stat st;
    if (::lstat(p.c_str(), &st) != 0) return std::nullopt;
    Node n;
    if (S_ISDIR(st.st_mode))
      n.type = layer::EntryType::dir;
    else if (S_ISLNK(st.st_mode)) {
      n.type = layer::EntryType::symlink;
      std::string t(size_t(st.st_size) + 1, '\0');
      ssize_t k = ::readlink(p.c_str(), t.data(), t.size());
      if (k < 0) return std::nullopt;
      t.resize(size_t(k));
      n.target = t;
    }
    return n;
  };
}

}  // namespace dl::deb
