// An image (manifest + config over stored layers) read from or written to
// any ImageStore: a layout, or a registry repository.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/result.h"
#include "builder/image/descriptor.h"
#include "builder/image/image_config.h"
#include "builder/image/manifest.h"
#include "registry/store/store.h"

namespace dl::layout {

// A base image: the raw bytes (their digests are what the new manifest
// must reference) and their parsed forms.
struct StoredImage {
  image::Descriptor manifest_descriptor;
  std::string manifest_bytes;
  image::Manifest manifest;
  std::string config_bytes;
  image::ImageConfig config;
};

// `ref` (a tag or digest) -> (index: the entry for `platform`) -> manifest
// -> config, every blob verified.
Result<StoredImage> read_image(store::ImageStore& store, const std::string& ref,
                               const image::Platform& platform = {"amd64", "linux", "", "", {}});

struct StoredRefs {
  image::Descriptor manifest;  // what the tags point at
  image::Descriptor config;
};

// Writes the last two blobs of an image (config, then manifest) and tags
// it: the final step of a build. Layers must already be stored. Layer
// descriptors may carry OCI or Docker media types; they are converted for
// `format` (zstd + docker_v2 is refused). Tags are applied after every blob
// is durable, so a crash never leaves a tag pointing at nothing.
Result<StoredRefs> store_image(store::ImageStore& store, image::ManifestFormat format, const image::ImageConfig& config,
                               std::vector<image::Descriptor> layers,
                               const std::map<std::string, std::string>& annotations,
                               const std::vector<std::string>& tags);

}  // namespace dl::layout
