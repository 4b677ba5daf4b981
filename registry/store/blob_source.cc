#include "registry/store/blob_source.h"

#include <fcntl.h>

#include <unistd.h>
#include <algorithm>

#include <cerrno>
#include <cstring>

namespace dl::store {

namespace {

class MemoryBlob final : public BlobSource {
 public:
  MemoryBlob(std::string data, std::string mt)
      : data_(std::make_shared<std::string>(std::move(data))), digest_(Digest::of(*data_)), mt_(std::move(mt)) {}
  Digest digest() const override { return digest_; }
  uint64_t size() const override { return data_->size(); }
  std::string media_type() const override { return mt_; }
  Result<BodyReader> open(uint64_t offset) const override {
    if (offset > data_->size()) return invalid("offset beyond end of blob " + digest_.str());
    auto data = data_;
    auto pos = std::make_shared<size_t>(offset);
    return BodyReader([data, pos](char* buf, size_t cap) -> Result<size_t> {
      size_t k = std::min(cap, data->size() - *pos);
      std::copy_n(data->data() + *pos, k, buf);
      *pos += k;
      return k;
    });
  }

 private:
  std::shared_ptr<std::string> data_;
  Digest digest_;
  std::string mt_;
};

// Owns a file descriptor shared by the reader closure.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

class FileBlob final : public BlobSource {
 public:
  FileBlob(fs::path p, Digest d, uint64_t size, std::string mt)
      : path_(std::move(p)), digest_(std::move(d)), size_(size), mt_(std::move(mt)) {}
  Digest digest() const override { return digest_; }
  uint64_t size() const override { return size_; }
  std::string media_type() const override { return mt_; }
  std::optional<fs::path> local_file() const override { return path_; }
  Result<BodyReader> open(uint64_t offset) const override {
    auto fd = std::make_shared<Fd>();
    fd->fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd->fd < 0) return io_error(path_.string() + ": cannot open: " + std::strerror(errno));
    if (lseek(fd->fd, static_cast<off_t>(offset), SEEK_SET) < 0)
      return io_error(path_.string() + ": cannot seek: " + std::strerror(errno));
    std::string where = path_.string();
    return BodyReader([fd, where](char* buf, size_t cap) -> Result<size_t> {
      while (true) {
        ssize_t n = ::read(fd->fd, buf, cap);
        if (n >= 0) return static_cast<size_t>(n);
        if (errno != EINTR) return io_error(where + ": read failed: " + std::strerror(errno));
      }
    });
  }

 private:
  fs::path path_;
  Digest digest_;
  uint64_t size_;
  std::string mt_;
};

class WithOrigin final : public BlobSource {
 public:
  WithOrigin(std::shared_ptr<BlobSource> src, Origin o) : src_(std::move(src)), origin_(std::move(o)) {}
  Digest digest() const override { return src_->digest(); }
  uint64_t size() const override { return src_->size(); }
  std::string media_type() const override { return src_->media_type(); }
  Result<BodyReader> open(uint64_t offset) const override { return src_->open(offset); }
  Status write_to(const BodySink& sink) const override { return src_->write_to(sink); }
  std::optional<fs::path> local_file() const override { return src_->local_file(); }
  std::optional<Origin> origin() const override { return origin_; }

 private:
  std::shared_ptr<BlobSource> src_;
  Origin origin_;
};

}  // namespace

Status BlobSource::write_to(const BodySink& sink) const {
  DL_ASSIGN_OR_RETURN(BodyReader reader, open(0));
  std::string buf(1 << 20, '\0');
  while (true) {
    DL_ASSIGN_OR_RETURN(size_t n, reader(buf.data(), buf.size()));
    if (n == 0) return {};
    DL_TRY(sink(buf.data(), n));
  }
}

std::shared_ptr<BlobSource> with_origin(std::shared_ptr<BlobSource> src, Origin origin) {
  return std::make_shared<WithOrigin>(std::move(src), std::move(origin));
}

std::shared_ptr<BlobSource> memory_blob(std::string data, std::string media_type) {
  return std::make_shared<MemoryBlob>(std::move(data), std::move(media_type));
}

std::shared_ptr<BlobSource> file_blob(fs::path path, Digest digest, uint64_t size, std::string media_type) {
  return std::make_shared<FileBlob>(std::move(path), std::move(digest), size, std::move(media_type));
}

}  // namespace dl::store
