// Where the bytes of a blob to push come from. A source can be opened more
// than once and at any offset, because a push may be retried or resumed
// after a broken connection without starting again from zero.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/fs.h"
#include "base/result.h"
#include "base/sha256.h"
#include "net/http.h"

namespace dl::registry {

using net::BodyReader;

class BlobSource {
 public:
  virtual ~BlobSource() = default;
  virtual Digest digest() const = 0;
  virtual uint64_t size() const = 0;
  virtual std::string media_type() const { return "application/octet-stream"; }
  // A reader of the bytes from `offset` to the end.
  virtual Result<BodyReader> open(uint64_t offset) const = 0;
};

// Small blobs built in memory (configs, manifests, test data).
std::shared_ptr<BlobSource> memory_blob(std::string data, std::string media_type = "application/octet-stream");

// A file whose digest and size are already known (e.g. an OCI layout blob);
// nothing is read until the push needs the bytes.
std::shared_ptr<BlobSource> file_blob(fs::path path, Digest digest, uint64_t size,
                                      std::string media_type = "application/octet-stream");

// A file whose digest is computed now by streaming it once.
Result<std::shared_ptr<BlobSource>> hash_file_blob(const fs::path& path,
                                                   std::string media_type = "application/octet-stream");

}  // namespace dl::registry
