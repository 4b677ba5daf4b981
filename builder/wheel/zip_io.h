// Little-endian fields and positioned reads for the zip reader
// (zip_directory.cc, zip_reader.cc); not for other users.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "base/result.h"

namespace dl::wheel {

inline uint16_t zip_le16(const uint8_t* p) { return uint16_t(p[0] | p[1] << 8); }
inline uint32_t zip_le32(const uint8_t* p) { return uint32_t(zip_le16(p)) | uint32_t(zip_le16(p + 2)) << 16; }
inline uint64_t zip_le64(const uint8_t* p) { return uint64_t(zip_le32(p)) | uint64_t(zip_le32(p + 4)) << 32; }

// Exactly `len` bytes at `offset`, or an error naming `label`.
Status zip_pread(int fd, void* buf, size_t len, uint64_t offset, const std::string& label);

}  // namespace dl::wheel
