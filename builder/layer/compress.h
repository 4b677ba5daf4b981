// Layer compression as a ByteSink stage: bytes written in come out
// compressed into the next sink. Output depends only on (algorithm, level,
// input bytes), never on the thread count or timing, so layer digests are
// reproducible. See docs in compress.cc for the engine choice.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"
#include "builder/layer/stream.h"

namespace dl::layer {

enum class Compression { none, gzip, zstd };

struct CompressOptions {
  Compression algorithm = Compression::gzip;
  // 0 = the algorithm's default (gzip: 1, zstd: 3). gzip 1..9, zstd 1..19.
  int level = 0;
  // Worker threads; 0 = hardware concurrency. Never changes the output.
  int threads = 0;
};

std::string_view compression_name(Compression c);  // "none" | "gzip" | "zstd"
Result<Compression> parse_compression(std::string_view name);

// A stage that compresses into `next` (not owned; must outlive the stage).
// finish() flushes the trailer and then calls next->finish().
Result<std::unique_ptr<ByteSink>> make_compressor(const CompressOptions& opts, ByteSink* next);

// Which deflate engine gzip uses at `level` ("isa-l" or "zlib"), for logs
// and benchmark output.
std::string_view gzip_engine(int level);

// Everything besides the input that decides the compressed bytes:
// algorithm, level, engine and version, and a digest of a fixed probe as
// this process compresses it (the same library gives other bytes on other
// CPU code paths), e.g. "gzip-1 isa-l-2.30.0 #5d41402abc4b". Equal
// identities give equal bytes for equal input on any machine; layer cache
// keys and image labels record it, so nothing made by another engine is
// mistaken for this one's output. Computed once per (algorithm, level).
std::string compression_identity(const CompressOptions& opts);

}  // namespace dl::layer
