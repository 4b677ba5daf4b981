#include "builder/layout/store_image.h"

#include "builder/image/manifest.h"

namespace dl::layout {

Result<StoredRefs> store_image(const Layout& layout, image::ManifestFormat format, const image::ImageConfig& config,
                               std::vector<image::Descriptor> layers,
                               const std::map<std::string, std::string>& annotations,
                               const std::vector<std::string>& tags) {
  if (config.diff_ids.size() != layers.size())
    return invalid("image config lists " + std::to_string(config.diff_ids.size()) + " diff_ids for " +
                   std::to_string(layers.size()) + " layers (expected one per layer)");
  for (const auto& l : layers)
    if (!layout.has_blob(l.digest))
      return not_found(layout.root().string() + ": layer blob " + l.digest.str() + " is not stored");
  DL_ASSIGN_OR_RETURN(std::string config_json, image::serialize(config));
  StoredRefs out;
  DL_ASSIGN_OR_RETURN(out.config, layout.put_blob(config_json, image::config_media_type(format)));
  DL_ASSIGN_OR_RETURN(image::Manifest m, image::build_manifest(format, out.config, std::move(layers), annotations));
  DL_ASSIGN_OR_RETURN(std::string manifest_json, image::serialize(m));
  DL_ASSIGN_OR_RETURN(out.manifest, layout.put_blob(manifest_json, m.media_type()));
  for (const auto& t : tags) DL_TRY(layout.tag(t, out.manifest));
  return out;
}

}  // namespace dl::layout
