// Content descriptors and the media types dlimage reads and writes, for both
// Docker schema 2 and OCI image-spec v1.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/sha256.h"
#include "builder/layer/compress.h"

namespace dl::image {

namespace media {
inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kOciLayer = "application/vnd.oci.image.layer.v1.tar";
inline constexpr std::string_view kOciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr std::string_view kOciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
inline constexpr std::string_view kDockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kDockerConfig = "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view kDockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";
inline constexpr std::string_view kDockerForeignLayerGzip = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
}  // namespace media

namespace annotation {
inline constexpr std::string_view kRefName = "org.opencontainers.image.ref.name";
inline constexpr std::string_view kCreated = "org.opencontainers.image.created";
inline constexpr std::string_view kVersion = "org.opencontainers.image.version";
inline constexpr std::string_view kRevision = "org.opencontainers.image.revision";
inline constexpr std::string_view kSource = "org.opencontainers.image.source";
inline constexpr std::string_view kTitle = "org.opencontainers.image.title";
inline constexpr std::string_view kBaseName = "org.opencontainers.image.base.name";
inline constexpr std::string_view kBaseDigest = "org.opencontainers.image.base.digest";
}  // namespace annotation

// docker_v2 is what Docker 18.09 pulls; oci is needed for zstd layers and is
// what umoci accepts inside an OCI layout.
enum class ManifestFormat { docker_v2, oci };
std::string_view format_name(ManifestFormat f);  // "docker" | "oci"
Result<ManifestFormat> parse_format(std::string_view name);

struct Platform {
  std::string architecture, os, variant, os_version;
  std::vector<std::string> os_features;
  bool operator==(const Platform&) const = default;
};

struct Descriptor {
  std::string media_type;
  Digest digest;
  std::int64_t size = 0;
  std::vector<std::string> urls;
  std::map<std::string, std::string> annotations;
  std::optional<Platform> platform;
  bool operator==(const Descriptor&) const = default;
};

// Descriptor of an in-memory blob (manifest/config bytes).
Descriptor describe(std::string_view media_type, std::string_view bytes);

// Layer media type for a manifest format; zstd is refused for docker_v2.
Result<std::string> layer_media_type(ManifestFormat f, layer::Compression c);
// Re-labels a base image layer for the target format (OCI gzip <-> Docker
// gzip); errors when the target format cannot express it (zstd in Docker).
Result<std::string> convert_layer_media_type(std::string_view media_type, ManifestFormat target);
std::string_view config_media_type(ManifestFormat f);
std::string_view manifest_media_type(ManifestFormat f);
std::string_view index_media_type(ManifestFormat f);

bool is_manifest_media_type(std::string_view mt);
bool is_index_media_type(std::string_view mt);

// "1970-01-01T00:00:00Z" for a SOURCE_DATE_EPOCH value.
std::string rfc3339(std::int64_t epoch_seconds);

}  // namespace dl::image
