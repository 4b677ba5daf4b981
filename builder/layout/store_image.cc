#include "builder/layout/store_image.h"

namespace dl::layout {

namespace {

constexpr std::size_t kMaxConfig = 16 << 20;

// Reads blob `d` whole (a config), verified against its digest and size.
Result<std::string> read_small_blob(store::ImageStore& s, const image::Descriptor& d, const std::string& where) {
  if (d.size < 0 || std::size_t(d.size) > kMaxConfig)
    return invalid(where + ": blob " + d.digest.str() + " of " + std::to_string(d.size) + " bytes exceeds the limit " +
                   std::to_string(kMaxConfig) + " for an in-memory blob");
  DL_ASSIGN_OR_RETURN(auto src, s.open_blob({d.media_type, d.digest, std::uint64_t(d.size)}));
  std::string out;
  auto st = src->write_to([&](const char* p, size_t n) -> Status {
    if (out.size() + n > std::size_t(d.size))
      return Error(ErrorKind::integrity, "blob " + d.digest.str() + ": longer than its descriptor says");
    out.append(p, n);
    return {};
  });
  if (!st.ok()) return st.error().wrap(where);
  if (Digest::of(out) != d.digest || out.size() != std::size_t(d.size))
    return Error(ErrorKind::integrity, where + ": blob " + d.digest.str() + " does not match its digest");
  return out;
}

}  // namespace

Result<StoredImage> read_image(store::ImageStore& s, const std::string& ref, const image::Platform& platform) {
  std::string where = s.name() + ":" + ref;
  DL_ASSIGN_OR_RETURN(auto top, s.get_manifest(ref));
  image::Descriptor desc{top.media_type, top.digest, std::int64_t(top.bytes.size()), {}, {}, {}};
  std::string bytes = std::move(top.bytes);
  for (int depth = 0; depth < 2 && image::is_index_media_type(desc.media_type); ++depth) {
    DL_ASSIGN_OR_RETURN(image::Index idx, image::parse_index(bytes, where, desc.media_type));
    const image::Descriptor* pick = nullptr;
    for (const auto& m : idx.manifests) {
      if (!m.platform && idx.manifests.size() == 1) pick = &m;
      if (m.platform && m.platform->architecture == platform.architecture && m.platform->os == platform.os &&
          (platform.variant.empty() || m.platform->variant == platform.variant)) {
        pick = &m;
        break;
      }
    }
    if (!pick) return not_found(where + ": the index has no manifest for " + platform.os + "/" + platform.architecture);
    desc = *pick;
    DL_ASSIGN_OR_RETURN(auto inner, s.get_manifest(desc.digest.str()));
    if (inner.digest != desc.digest || inner.bytes.size() != std::size_t(desc.size))
      return Error(ErrorKind::integrity, where + ": manifest " + desc.digest.str() + " does not match the index");
    bytes = std::move(inner.bytes);
  }
  StoredImage img;
  img.manifest_descriptor = desc;
  img.manifest_bytes = std::move(bytes);
  DL_ASSIGN_OR_RETURN(img.manifest, image::parse_manifest(img.manifest_bytes, where, desc.media_type));
  DL_ASSIGN_OR_RETURN(img.config_bytes, read_small_blob(s, img.manifest.config, where + " config"));
  DL_ASSIGN_OR_RETURN(img.config, image::parse_config(img.config_bytes, where + " config"));
  if (img.config.diff_ids.size() != img.manifest.layers.size())
    return invalid(where + ": manifest has " + std::to_string(img.manifest.layers.size()) + " layers but config has " +
                   std::to_string(img.config.diff_ids.size()) + " diff_ids");
  return img;
}

Result<StoredRefs> store_image(store::ImageStore& s, image::ManifestFormat format, const image::ImageConfig& config,
                               std::vector<image::Descriptor> layers,
                               const std::map<std::string, std::string>& annotations,
                               const std::vector<std::string>& tags) {
  if (config.diff_ids.size() != layers.size())
    return invalid("image config lists " + std::to_string(config.diff_ids.size()) + " diff_ids for " +
                   std::to_string(layers.size()) + " layers (expected one per layer)");
  for (const auto& l : layers) {
    DL_ASSIGN_OR_RETURN(bool has, s.has_blob(l.digest));
    if (!has) return not_found(s.name() + ": layer blob " + l.digest.str() + " is not stored");
  }
  DL_ASSIGN_OR_RETURN(std::string config_json, image::serialize(config));
  StoredRefs out;
  out.config = image::describe(image::config_media_type(format), config_json);
  DL_TRY(s.put_blobs({store::memory_blob(config_json, out.config.media_type)}));
  DL_ASSIGN_OR_RETURN(image::Manifest m, image::build_manifest(format, out.config, std::move(layers), annotations));
  DL_ASSIGN_OR_RETURN(std::string manifest_json, image::serialize(m));
  out.manifest = image::describe(m.media_type(), manifest_json);
  if (tags.empty()) DL_TRY(s.put_manifest(out.manifest.media_type, manifest_json, ""));
  for (const auto& t : tags) DL_TRY(s.put_manifest(out.manifest.media_type, manifest_json, t));
  return out;
}

}  // namespace dl::layout
