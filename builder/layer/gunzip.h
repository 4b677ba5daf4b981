// Reading layer blobs back: a pull stage that undoes gzip with ISA-L's
// inflate (igzip), 3-4x faster than zlib's. Scanning a base image's layers
// (the interpreter check, the dpkg database) inflates every byte of them
// although only the tar headers and a few small files matter: with zlib that
// was most of a one-cell build's CPU time.
#pragma once

#include <string>

#include "builder/layer/stream.h"

namespace dl::layer {

// The bytes of `in` with gzip undone when they start with the gzip magic
// (every member of a multi-member stream; each member's CRC32 and length
// checked), otherwise passed through as they are (zstd and plain tar are
// left to the reader after this one). Errors say what is wrong
// ("corrupt gzip: ..."); the caller names the blob. Without ISA-L (not on
// x86-64) gzip is passed through too.
ReadFn gunzip_reader(ReadFn in);

}  // namespace dl::layer
