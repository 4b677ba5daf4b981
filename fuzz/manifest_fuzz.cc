// Manifests, indexes and image configs pulled from registries or layouts.
// Invariant: the canonical form of a document is a fixed point.
#include "builder/image/image_config.h"
#include "builder/image/manifest.h"
#include "fuzz/fuzz.h"

DL_FUZZ_TARGET {
  auto s = dl::fuzz::text(data, size);
  (void)dl::image::parse_document(s, "fuzz");
  (void)dl::image::parse_manifest(s, "fuzz", "application/vnd.oci.image.manifest.v1+json");
  (void)dl::image::parse_index(s, "fuzz", "application/vnd.docker.distribution.manifest.list.v2+json");
  (void)dl::image::parse_config(s, "fuzz");
  if (auto c = dl::image::canonical_json(s, "fuzz"); c.ok()) {
    auto again = dl::image::canonical_json(*c, "fuzz");
    dl::fuzz::check(again.ok() && *again == *c, "canonical JSON is a fixed point", *c);
  }
  return 0;
}
