// Image manifests and indexes (Docker schema 2 manifest / manifest list and
// OCI manifest / index): canonical serialisation and validating parsers.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "builder/image/descriptor.h"

namespace dl::image {

struct Manifest {
  // Registry pushes default to Docker schema 2 (Docker 18.09 hosts); images
  // stored in an OCI layout for umoci/skopeo must be oci (see layout.h).
  ManifestFormat format = ManifestFormat::docker_v2;
  Descriptor config;
  std::vector<Descriptor> layers;
  // OCI only; Docker schema 2 has no annotations (serialize drops them;
  // put the same keys in config labels for Docker hosts).
  std::map<std::string, std::string> annotations;

  std::string media_type() const { return std::string(manifest_media_type(format)); }
};

struct Index {
  ManifestFormat format = ManifestFormat::oci;  // docker_v2 = manifest list
  std::vector<Descriptor> manifests;
  std::map<std::string, std::string> annotations;  // OCI only

  std::string media_type() const { return std::string(index_media_type(format)); }
};

// Builds a manifest for `format`: config gets the format's config media
// type; base-image layer media types are converted (OCI gzip <-> Docker
// gzip). Errors when a layer cannot be expressed (zstd in Docker schema 2).
Result<Manifest> build_manifest(ManifestFormat format, const Descriptor& config, std::vector<Descriptor> layers,
                                std::map<std::string, std::string> annotations = {});

// What the pipeline knows about an image; becomes org.opencontainers.image.*.
struct ImageMetadata {
  std::int64_t created_epoch = 0;
  std::string version, revision, source, title, base_name;
  Digest base_digest;
};
std::map<std::string, std::string> oci_annotations(const ImageMetadata& m);

Result<std::string> serialize(const Manifest& m);
Result<std::string> serialize(const Index& i);

// Parsers. `content_type` is the HTTP Content-Type or descriptor media type
// when known ("" = trust the document's mediaType field / shape).
Result<Manifest> parse_manifest(std::string_view json, const std::string& source, std::string_view content_type = "");
Result<Index> parse_index(std::string_view json, const std::string& source, std::string_view content_type = "");

struct Document {
  enum class Kind { manifest, index } kind = Kind::manifest;
  Manifest manifest;  // when kind == manifest
  Index index;        // when kind == index
};
// For registry copy and base-image reads: a manifest or an index, whichever
// the bytes are.
Result<Document> parse_document(std::string_view json, const std::string& source, std::string_view content_type = "");

// Any JSON text re-serialised canonically (sorted keys, no whitespace).
Result<std::string> canonical_json(std::string_view json, const std::string& source);

}  // namespace dl::image
