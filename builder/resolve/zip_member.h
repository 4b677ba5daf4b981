// Reading one member (the wheel's METADATA) out of a zip without reading the
// rest: the end-of-central-directory record, the central directory, then the
// member's local header and compressed bytes. `read_at` fetches a byte range,
// so the same code serves a local file (pread) and an HTTP server that
// honours Range requests (PEP 658's fallback, as pip's fast-deps and uv do).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "base/result.h"

namespace dl::resolve {

// Returns exactly `len` bytes at `offset` (or an error).
using RangeReader = std::function<Result<std::string>(uint64_t offset, uint64_t len)>;

struct ZipTail {
  std::string bytes;  // the last bytes of the archive
  uint64_t size = 0;  // total archive size
};

// Finds "<name>-<version>.dist-info/METADATA" (any top-level *.dist-info
// whose name escapes to `project`) and returns it inflated, CRC-checked and
// bounded (1 MiB). `where` prefixes every error (the wheel's URL).
// Errors are kind unsupported for archives this reader does not handle
// (zip64, encryption): the caller then downloads the whole wheel.
Result<std::string> read_metadata_member(const ZipTail& tail, const RangeReader& read_at, const std::string& project,
                                         const std::string& where);

}  // namespace dl::resolve
