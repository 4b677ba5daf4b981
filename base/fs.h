// Filesystem helpers with one rule: nothing already written is lost or
// half-written. Every write goes to a unique temp name in the destination
// directory, is fsync'ed, then renamed over the target.
#pragma once

#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>

#include "base/result.h"

namespace dl {

namespace fs = std::filesystem;

Result<std::string> read_file(const fs::path& path);
Status write_file_atomic(const fs::path& path, std::string_view data);
Status ensure_dir(const fs::path& dir);

// A file being written under a temp name; commit() renames it into place,
// destruction without commit() removes it.
class AtomicFile {
 public:
  static Result<AtomicFile> create(const fs::path& target);
  AtomicFile(AtomicFile&& o) noexcept;
  AtomicFile& operator=(AtomicFile&&) = delete;
  AtomicFile(const AtomicFile&) = delete;
  ~AtomicFile();

  Status write(const void* data, size_t len);
  Status write(std::string_view s) { return write(s.data(), s.size()); }
  // fsync + rename. If `target` appeared meanwhile, rename still replaces it
  // atomically, which is right for content-addressed files.
  Status commit();
  const fs::path& temp_path() const { return tmp_; }
  const fs::path& target() const { return target_; }

 private:
  AtomicFile(fs::path target, fs::path tmp, int fd) : target_(std::move(target)), tmp_(std::move(tmp)), fd_(fd) {}
  fs::path target_, tmp_;
  int fd_ = -1;
};

// A directory removed (recursively) on destruction; for tests and scratch space.
class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "dlimage");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

}  // namespace dl
