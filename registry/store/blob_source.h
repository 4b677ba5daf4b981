// Where the bytes of a blob come from. A source can be opened more than
// once and at any offset, because a push may be retried or resumed after a
// broken connection without starting again from zero. A source may also
// say where its bytes already are, so a store can avoid moving them: a
// local file (an OCI layout hard-links it) or a registry repository (a
// registry store on the same host mounts it), as go-containerregistry's
// mountable layers do.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "base/fs.h"
#include "base/result.h"
#include "base/sha256.h"
#include "net/http.h"

namespace dl::store {

using net::BodyReader;
using net::BodySink;

// A repository that already holds the blob: "registry" host[:port] and
// repository name, as after mirror/--registry rewriting.
struct Origin {
  std::string registry, repository;
};

class BlobSource {
 public:
  virtual ~BlobSource() = default;
  virtual Digest digest() const = 0;
  virtual uint64_t size() const = 0;
  virtual std::string media_type() const { return "application/octet-stream"; }
  // A reader of the bytes from `offset` to the end.
  virtual Result<BodyReader> open(uint64_t offset) const = 0;
  // Streams every byte into `sink` once. The default reads open(0); a
  // remote source overrides it to stream straight from the network.
  virtual Status write_to(const BodySink& sink) const;
  // A file holding exactly these bytes, if there is one.
  virtual std::optional<fs::path> local_file() const { return std::nullopt; }
  // A repository holding this blob, if known.
  virtual std::optional<Origin> origin() const { return std::nullopt; }
};

// Small blobs built in memory (configs, manifests, test data).
std::shared_ptr<BlobSource> memory_blob(std::string data, std::string media_type = "application/octet-stream");

// A file whose digest and size are already known (e.g. an OCI layout blob);
// nothing is read until the push needs the bytes.
std::shared_ptr<BlobSource> file_blob(fs::path path, Digest digest, uint64_t size,
                                      std::string media_type = "application/octet-stream");

// `src`, also known to be in `origin` (a repository that got it earlier in
// this run), so a push to another repository of that registry can mount it.
std::shared_ptr<BlobSource> with_origin(std::shared_ptr<BlobSource> src, Origin origin);

}  // namespace dl::store
