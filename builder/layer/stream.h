// Byte plumbing shared by the layer writer, the OCI layout and (later) the
// registry upload: a push-style ByteSink chain and a pull-style ReadFn.
// Everything streams; no stage holds more than a bounded buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/fs.h"
#include "base/result.h"
#include "base/sha256.h"

namespace dl::layer {

// Pull-style reader: fills up to `cap` bytes, returns how many; 0 means end.
using ReadFn = std::function<Result<size_t>(char* buf, size_t cap)>;

// Push-style sink. finish() is called exactly once after the last write.
class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual Status write(const void* data, size_t len) = 0;
  virtual Status finish() { return {}; }
};

// Counts and hashes what passes through, then forwards it.
class HashingSink : public ByteSink {
 public:
  explicit HashingSink(ByteSink* next) : next_(next) {}
  Status write(const void* data, size_t len) override;
  Status finish() override;
  // Valid after finish().
  const Digest& digest() const { return digest_; }
  std::uint64_t size() const { return size_; }

 private:
  ByteSink* next_;
  Sha256 sha_;
  Digest digest_;
  std::uint64_t size_ = 0;
};

// Appends to a string; for tests and small blobs (manifests, configs).
class StringSink : public ByteSink {
 public:
  Status write(const void* data, size_t len) override {
    out.append(static_cast<const char*>(data), len);
    return {};
  }
  std::string out;
};

// Discards bytes (hash-only passes).
class NullSink : public ByteSink {
 public:
  Status write(const void*, size_t) override { return {}; }
};

// Writes to `target` through AtomicFile: the file appears only if finish()
// succeeds; an abandoned sink leaves nothing behind.
class FileSink : public ByteSink {
 public:
  static Result<std::unique_ptr<FileSink>> create(const fs::path& target);
  Status write(const void* data, size_t len) override { return file_.write(data, len); }
  Status finish() override { return file_.commit(); }

 private:
  explicit FileSink(AtomicFile f) : file_(std::move(f)) {}
  AtomicFile file_;
};

// Reads a whole file through a ReadFn (used for tree walks and blob reads).
Result<ReadFn> open_file_reader(const fs::path& path);

// Pumps `reader` into `sink` (without calling finish()); returns bytes copied.
Result<std::uint64_t> copy_stream(const ReadFn& reader, ByteSink& sink);

}  // namespace dl::layer
