// One image-store interface, as regclient's scheme API and
// go-containerregistry's v1.Image/remote/layout split have it: a place that
// holds blobs and manifests under tags. An OCI layout directory
// (builder/layout/layout_store.h) and a registry repository
// (registry/client/registry_store.h) both implement it, so copy, push, base
// pulls and layout-to-layout copies are one algorithm over two stores
// (builder/copy/copy.h) with no "is this side a layout" branches.
//
// A store is one repository: references inside it are tags or digests
// ("sha256:..."). Stores move bytes with a media type and a digest and
// never parse image content (builder/image/ does).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/sha256.h"
#include "registry/store/blob_source.h"

namespace dl::store {

// A blob as a manifest names it.
struct BlobRef {
  std::string media_type;
  Digest digest;
  uint64_t size = 0;
};

// A manifest or index as stored: the bytes and what they are.
struct Manifest {
  std::string media_type;  // Content-Type, parameters stripped
  Digest digest;           // verified: computed over bytes
  std::string bytes;
};

struct ManifestHead {
  std::string media_type;
  Digest digest;
  uint64_t size = 0;
};

// What a store's put_blobs did, counted across its life (for reports: take
// the difference around an operation). A registry store shares its
// client's counters.
struct PutCounts {
  uint64_t existing = 0;  // already there: nothing moved
  uint64_t mounted = 0;   // cross-repository mount or hard link: no bytes moved
  uint64_t copied = 0;    // bytes moved
  uint64_t bytes = 0;     // bytes moved
  PutCounts operator-(const PutCounts& o) const {
    return {existing - o.existing, mounted - o.mounted, copied - o.copied, bytes - o.bytes};
  }
};

class ImageStore {
 public:
  virtual ~ImageStore() = default;
  // "oci:DIR" or "docker://HOST/REPO", for messages.
  virtual std::string name() const = 0;

  // ---- blobs
  virtual Result<bool> has_blob(const Digest& d) = 0;
  // A source of the blob's bytes; nothing is read until it is opened. The
  // bytes are checked against b.digest by whoever receives them (a store's
  // put_blobs, or the reader for a registry source).
  virtual Result<std::shared_ptr<BlobSource>> open_blob(const BlobRef& b) = 0;
  // Stores every blob not already there, in parallel where the store can,
  // hard-linking or mounting when a source's local_file()/origin() allow.
  // Stops at the first error.
  virtual Status put_blobs(const std::vector<std::shared_ptr<BlobSource>>& blobs) = 0;

  // ---- manifests (and indexes); `ref` is a tag or a digest string
  virtual Result<Manifest> get_manifest(const std::string& ref) = 0;
  // not_found when absent.
  virtual Result<ManifestHead> head_manifest(const std::string& ref) = 0;
  // Stores a manifest whose blobs are all stored, under `tag` (or by digest
  // only when `tag` is empty). Returns the digest the store recorded.
  virtual Result<Digest> put_manifest(const std::string& media_type, const std::string& bytes,
                                      const std::string& tag) = 0;
  // Points `tag` at the stored manifest `digest`.
  virtual Status tag(const std::string& tag, const Digest& digest) = 0;
  // Every tag, sorted as the store lists them.
  virtual Result<std::vector<std::string>> list() = 0;

  virtual PutCounts counts() const = 0;
};

// True for the not-found answers of both stores (a missing tag or blob).
bool is_not_found(const Error& e);

// Runs fn(0..n-1) on up to `jobs` threads; the first error stops new work.
Status run_parallel(size_t n, int jobs, const std::function<Status(size_t)>& fn);

}  // namespace dl::store
