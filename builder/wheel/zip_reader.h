// dlimage's own zip reader, the one that reads wheels (wheel_archive.cc
// walks the directory with it and streams the contents with it: one reader,
// so what is checked is what is installed). Bounded and suspicious:
//   - the central directory is the truth: it must end where the end record
//     (or the zip64 end record) begins, hold exactly the entries it counts,
//     each with a local header that names the same file with the same
//     method, flags and (unless a data descriptor follows) sizes and CRC32;
//   - every entry's header and data lie before the central directory and no
//     two entries overlap (the overlapping-entries zip bomb);
//   - stored or deflate only; encrypted entries, multi-disk archives and
//     patched data are refused; zip64 sizes and offsets are read;
//   - content comes out of read() only up to the declared size: one byte
//     more is an error ("zip bomb?"), and the last read checks the size and
//     the CRC32 against the central directory.
// Entry names are kept as stored, with "\" turned into "/" (as libarchive,
// the reader before this one, did); checking them is the caller's job.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"

namespace dl::wheel {

struct ZipEntry {
  std::string name;   // "pkg/mod.py"; a directory ends with "/"
  uint32_t type = 0;  // S_IFREG, S_IFDIR, S_IFLNK, S_IFCHR, ... (sys/stat.h)
  uint32_t perm = 0644;
  uint64_t size = 0;             // uncompressed, from the central directory
  uint64_t compressed_size = 0;  // bytes of data in the file
  uint64_t data_offset = 0;      // first byte of the data
  uint32_t crc32 = 0;
  uint16_t method = 0;  // 0 stored, 8 deflate
};

class ZipReader {
 public:
  // Reads and checks the central directory and every local header. Errors
  // start with `label` (the wheel's file name); a file that cannot be
  // opened is ErrorKind::not_found, anything malformed ErrorKind::invalid.
  static Result<std::unique_ptr<ZipReader>> open(const std::filesystem::path& file, const std::string& label);
  ~ZipReader();
  ZipReader(const ZipReader&) = delete;
  ZipReader& operator=(const ZipReader&) = delete;

  // In central directory order.
  const std::vector<ZipEntry>& entries() const { return entries_; }

  // Starts reading entry `index` (abandoning the one before, if any).
  void start(size_t index);
  // The current entry's bytes: up to `cap` of them, 0 at the end. The read
  // that reaches the end checks the size and CRC32; it, and a stream that
  // inflates past the declared size, fail with ErrorKind::integrity and
  // "<label>: entry <name>: ...".
  Result<size_t> read(char* buf, size_t cap);

 private:
  ZipReader();
  Status parse(const std::string& label);
  Status check_local_headers(const std::string& label, const std::vector<std::string>& raw_names,
                             const std::vector<uint64_t>& header_at, const std::vector<uint16_t>& flags,
                             uint64_t dir_at);
  Result<size_t> read_stored(char* buf, size_t cap);
  Result<size_t> read_deflated(char* buf, size_t cap);
  Result<size_t> finish_entry();
  Error entry_error(const std::string& what) const;

  struct State;
  int fd_ = -1;
  uint64_t file_size_ = 0;
  std::string label_;
  std::vector<ZipEntry> entries_;
  std::unique_ptr<State> st_;
};

}  // namespace dl::wheel
