// Writes the last two blobs of an image (config, manifest) into a layout
// and tags it: the final step of a build. Layers must already be stored.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/result.h"
#include "builder/image/descriptor.h"
#include "builder/image/image_config.h"
#include "builder/layout/layout.h"

namespace dl::layout {

struct StoredRefs {
  image::Descriptor manifest;  // what the tags point at
  image::Descriptor config;
};

// Layer descriptors may carry OCI or Docker media types; they are converted
// for `format` (zstd + docker_v2 is refused). Tags are applied after every
// blob is durable, so a crash never leaves a tag pointing at nothing.
Result<StoredRefs> store_image(const Layout& layout, image::ManifestFormat format, const image::ImageConfig& config,
                               std::vector<image::Descriptor> layers,
                               const std::map<std::string, std::string>& annotations,
                               const std::vector<std::string>& tags);

}  // namespace dl::layout
