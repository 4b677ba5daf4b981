#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "builder/layout/layout.h"

namespace dl::layout {

BlobWriter::~BlobWriter() {
  if (fd_ >= 0) ::close(fd_);
  if (!tmp_.empty()) ::unlink(tmp_.c_str());
}

Status BlobWriter::write(const void* data, size_t len) {
  if (finished_) return Error(ErrorKind::internal, "blob writer: write after finish");
  sha_.update(data, len);
  size_ += len;
  const char* p = static_cast<const char*>(data);
  while (len > 0) {
    ssize_t n = ::write(fd_, p, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error(tmp_.string() + ": write failed: " + std::strerror(errno));
    }
    p += n;
    len -= size_t(n);
  }
  return {};
}

Status BlobWriter::finish() {
  if (finished_) return Error(ErrorKind::internal, "blob writer: finished twice");
  finished_ = true;
  digest_ = Digest{"sha256", sha_.hex_digest()};
  if (expected_ && *expected_ != digest_)
    return Error(ErrorKind::integrity, "blob " + expected_->str() + ": content hashes to " + digest_.str());
  if (::fsync(fd_) != 0) return io_error(tmp_.string() + ": fsync failed: " + std::strerror(errno));
  ::close(fd_);
  fd_ = -1;
  fs::path target = blobs_dir_ / digest_.hex;
  // Renamed even over a blob of this name: that one may be corrupt (the
  // name is only a claim), these bytes were just hashed.
  if (::rename(tmp_.c_str(), target.c_str()) != 0)
    return io_error(target.string() + ": rename failed: " + std::strerror(errno));
  tmp_.clear();
  // Make the rename durable before index.json can reference the blob.
  int dfd = ::open(blobs_dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

image::Descriptor BlobWriter::descriptor(std::string_view media_type) const {
  image::Descriptor d;
  d.media_type = std::string(media_type);
  d.digest = digest_;
  d.size = std::int64_t(size_);
  return d;
}

}  // namespace dl::layout
