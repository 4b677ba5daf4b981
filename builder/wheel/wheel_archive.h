// Reading a .whl without trusting it. inspect_wheel() walks the zip directory
// once (file contents are skipped, not inflated) and cross-checks names,
// entry types, RECORD and the .dist-info files; stream_wheel() then hands out
// each file's bytes in chunks while hashing them, and fails the read that
// reaches the end of an entry whose bytes do not match RECORD. Memory stays
// flat: only the small .dist-info files are ever held whole.
//
// Every error starts with the wheel's file name and names the entry and what
// was expected, e.g.
//   "bad-1.0-py3-none-any.whl: entry bad/x.py: size 12 does not match RECORD (expected 10)".
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "base/result.h"
#include "builder/wheel/metadata.h"

namespace dl::wheel {

// A regular file inside the wheel.
struct ArchiveEntry {
  std::string name;      // path inside the zip: "pip/__init__.py"
  uint64_t size = 0;     // uncompressed size from the zip directory (== RECORD size)
  uint32_t mode = 0644;  // permission bits from the zip (0644 or 0755 after sanitising)
  std::string hash;      // "sha256=..." from RECORD ("" only for RECORD itself)
};

struct WheelContents {
  std::filesystem::path file;   // the .whl on disk
  std::string filename;         // basename, the prefix of every message
  std::string name;             // METADATA Name, as written
  std::string normalized_name;  // PEP 503
  std::string version;          // METADATA Version, as written
  std::string dist_info;        // "pip-23.0.1.dist-info"
  std::string data_dir;         // "pip-23.0.1.data" (may be absent from the zip)
  WheelFile wheel;
  Metadata metadata;
  std::vector<EntryPoint> entry_points;
  std::vector<RecordLine> record;
  std::vector<ArchiveEntry> entries;  // regular files in zip order
  uint64_t total_size = 0;            // sum of entry sizes
};

// Everything but content hashes: names are relative and clean (no "..", no
// leading "/", no "\"), entries are regular files or directories, no
// duplicates, one .dist-info matching the filename and METADATA, a supported
// Wheel-Version, only known .data schemes, RECORD lists every file (with a
// sha256 hash and a size equal to the zip's) and nothing else.
// `filename` is the wheel's real name when the file is stored under another
// one (the content-addressed cache); default: whl's basename.
Result<WheelContents> inspect_wheel(const std::filesystem::path& whl, const std::string& filename = "");

// Reads the current entry: returns bytes copied (0 at the end). The read
// that reaches the end fails with ErrorKind::integrity when the entry's
// size or sha256 differ from RECORD, so a sink that commits only after
// reading 0 never commits unverified bytes.
using ContentReader = std::function<Result<size_t>(char* buf, size_t cap)>;
using EntryVisitor = std::function<Status(const ArchiveEntry&, const ContentReader&)>;

// Calls `visit` for every regular file, in zip order. Bytes the visitor does
// not read are read (and verified) afterwards, so a successful return means
// every entry matched RECORD.
Status stream_wheel(const WheelContents& wheel, const EntryVisitor& visit);

// inspect_wheel + stream_wheel with a visitor that reads nothing.
Result<WheelContents> verify_wheel(const std::filesystem::path& whl, const std::string& filename = "");

}  // namespace dl::wheel
