#include "builder/image/descriptor.h"

#include <ctime>

namespace dl::image {

std::string_view format_name(ManifestFormat f) { return f == ManifestFormat::oci ? "oci" : "docker"; }

Result<ManifestFormat> parse_format(std::string_view name) {
  if (name == "oci") return ManifestFormat::oci;
  if (name == "docker" || name == "docker-v2" || name == "v2s2") return ManifestFormat::docker_v2;
  return invalid("manifest format '" + std::string(name) + "': expected docker or oci");
}

Descriptor describe(std::string_view media_type, std::string_view bytes) {
  Descriptor d;
  d.media_type = std::string(media_type);
  d.digest = Digest::of(bytes);
  d.size = std::int64_t(bytes.size());
  return d;
}

Result<std::string> layer_media_type(ManifestFormat f, layer::Compression c) {
  using layer::Compression;
  if (f == ManifestFormat::oci) {
    switch (c) {
      case Compression::none: return std::string(media::kOciLayer);
      case Compression::gzip: return std::string(media::kOciLayerGzip);
      case Compression::zstd: return std::string(media::kOciLayerZstd);
    }
  }
  if (c == Compression::gzip) return std::string(media::kDockerLayerGzip);
  return Error(ErrorKind::unsupported, std::string("Docker schema 2 manifests cannot carry ") +
                                           std::string(layer::compression_name(c)) +
                                           " layers (expected gzip, or use --format oci)");
}

Result<std::string> convert_layer_media_type(std::string_view mt, ManifestFormat target) {
  if (mt == media::kOciLayerGzip || mt == media::kDockerLayerGzip)
    return layer_media_type(target, layer::Compression::gzip);
  if (mt == media::kOciLayerZstd) return layer_media_type(target, layer::Compression::zstd);
  if (mt == media::kOciLayer) return layer_media_type(target, layer::Compression::none);
  if (mt == media::kDockerForeignLayerGzip && target == ManifestFormat::docker_v2) return std::string(mt);
  return Error(ErrorKind::unsupported, "layer media type '" + std::string(mt) + "' cannot be used in a " +
                                           std::string(format_name(target)) + " manifest");
}

std::string_view config_media_type(ManifestFormat f) {
  return f == ManifestFormat::oci ? media::kOciConfig : media::kDockerConfig;
}
std::string_view manifest_media_type(ManifestFormat f) {
  return f == ManifestFormat::oci ? media::kOciManifest : media::kDockerManifest;
}
std::string_view index_media_type(ManifestFormat f) {
  return f == ManifestFormat::oci ? media::kOciIndex : media::kDockerManifestList;
}

bool is_manifest_media_type(std::string_view mt) { return mt == media::kOciManifest || mt == media::kDockerManifest; }
bool is_index_media_type(std::string_view mt) { return mt == media::kOciIndex || mt == media::kDockerManifestList; }

std::string rfc3339(std::int64_t epoch_seconds) {
  std::time_t t = static_cast<std::time_t>(epoch_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace dl::image
