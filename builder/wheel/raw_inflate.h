// Raw deflate (zip method 8) undone in steps, with the CRC32 of the output
// kept as it goes: ISA-L's inflate (igzip, 3-4x zlib's speed; installing
// wheels into layers is mostly inflating them), zlib's where ISA-L is not
// built in (not on x86-64). zip_reader.cc is the one user.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "base/result.h"

namespace dl::wheel {

class RawInflater {
 public:
  RawInflater();
  ~RawInflater();
  RawInflater(const RawInflater&) = delete;
  RawInflater& operator=(const RawInflater&) = delete;

  // Starts a new stream (the state, ~90 KB, is reused).
  void reset();
  struct Step {
    size_t consumed = 0;  // input bytes taken
    size_t produced = 0;  // output bytes written
  };
  // Inflates from `in` into `out`. An error says what is corrupt
  // ("invalid deflate block"), without naming the entry.
  Result<Step> step(const uint8_t* in, size_t in_len, uint8_t* out, size_t out_len);
  // The final block has been decoded and all its output handed out.
  bool finished() const;
  // CRC32 (zip's, = gzip's) of everything produced since reset().
  uint32_t crc32() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// CRC32 of `data` continuing from `crc` (0 to start), for stored entries.
uint32_t crc32_update(uint32_t crc, const uint8_t* data, size_t len);

}  // namespace dl::wheel
