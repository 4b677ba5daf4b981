#include "builder/layer/stream.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace dl::layer {

Status HashingSink::write(const void* data, size_t len) {
  sha_.update(data, len);
  size_ += len;
  return next_ ? next_->write(data, len) : Status{};
}

Status HashingSink::finish() {
  digest_ = Digest{"sha256", sha_.hex_digest()};
  return next_ ? next_->finish() : Status{};
}

Result<std::unique_ptr<FileSink>> FileSink::create(const fs::path& target) {
  DL_ASSIGN_OR_RETURN(auto f, AtomicFile::create(target));
  return std::unique_ptr<FileSink>(new FileSink(std::move(f)));
}

namespace {
// Owns the descriptor; shared so the ReadFn stays copyable.
struct Fd {
  int fd;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};
}  // namespace

Result<ReadFn> open_file_reader(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    return Error(e == ENOENT ? ErrorKind::not_found : ErrorKind::io,
                 path.string() + ": cannot open: " + std::strerror(e));
  }
  auto owned = std::make_shared<Fd>(fd);
  std::string name = path.string();
  return ReadFn([owned, name](char* buf, size_t cap) -> Result<size_t> {
    for (;;) {
      ssize_t n = ::read(owned->fd, buf, cap);
      if (n >= 0) return size_t(n);
      if (errno == EINTR) continue;
      return io_error(name + ": read failed: " + std::strerror(errno));
    }
  });
}

Result<std::uint64_t> copy_stream(const ReadFn& reader, ByteSink& sink) {
  std::vector<char> buf(256 * 1024);
  std::uint64_t total = 0;
  for (;;) {
    DL_ASSIGN_OR_RETURN(size_t n, reader(buf.data(), buf.size()));
    if (n == 0) return total;
    DL_TRY(sink.write(buf.data(), n));
    total += n;
  }
}

}  // namespace dl::layer
