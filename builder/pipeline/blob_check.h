// Does the registry really hold what a manifest names? A registry that
// answered 201 and stored nothing, or lost a layer since, still serves the
// manifest, so a tag pointing at the right digest proves nothing by itself.
// Every blob the manifest names (config and layers) gets a HEAD that must
// answer 200 with the expected size; the HEADs run in parallel.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "builder/image/descriptor.h"
#include "registry/client/client.h"
#include "registry/reference/reference.h"

namespace dl::pipeline {

struct BlobProblem {
  image::Descriptor blob;
  std::string what;  // "missing" or "has 12 bytes, expected 34"
};

// HEADs every descriptor in `blobs` on `repo`, `jobs` at a time.
Result<std::vector<BlobProblem>> check_blobs(registry::RegistryClient& client, const registry::Reference& repo,
                                             const std::vector<image::Descriptor>& blobs, int jobs);

// The config and layers of the manifest `digest` in `repo`, read from the
// registry (the bytes are verified against the digest).
Result<std::vector<image::Descriptor>> manifest_blobs(registry::RegistryClient& client, const registry::Reference& repo,
                                                      const Digest& digest);

}  // namespace dl::pipeline
