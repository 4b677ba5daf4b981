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
Status check_parents(const fs::path& root, const std::string& rel) {
  fs::path p = root;
  auto parts = split(rel, '/');
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    p /= parts[i];
    struct stat st;
    if (::lstat(p.c_str(), &st) != 0) {
      if (errno != ENOENT) return io_error(p.string() + ": " + std::strerror(errno));
      if (::mkdir(p.c_str(), 0755) != 0 && errno != EEXIST)
        return io_error(p.string() + ": mkdir: " + std::strerror(errno));
      continue;
    }
    if (!S_ISDIR(st.st_mode)) return io_error(p.string() + ": not a directory (refusing to follow it)");
  }
  return {};
}

void set_owner(const fs::path& p, const layer::Entry& e) {
  if (::geteuid() == 0 && ::lchown(p.c_str(), e.uid, e.gid) != 0) { /* best effort, as tar does for non-root */
  }
}
}  // namespace

Status DirTreeSink::add(const layer::Entry& e, const layer::ReadFn& content) {
  DL_TRY(check_parents(root_, e.path));
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
      return {};
    }
    case layer::EntryType::symlink: {
      fs::path tmp = p.string() + ".dlimage-new";
      fs::remove(tmp, ec);
      if (::symlink(e.link_target.c_str(), tmp.c_str()) != 0)
        return io_error(p.string() + ": symlink: " + std::strerror(errno));
      set_owner(tmp, e);
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
