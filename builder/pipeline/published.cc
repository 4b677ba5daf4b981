#include "builder/pipeline/published.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "base/strings.h"
#include "builder/attest/attach.h"
#include "builder/image/image_config.h"
#include "builder/image/manifest.h"
#include "builder/pipeline/image_labels.h"

namespace dl::pipeline {

namespace {

// The linux/amd64 image manifest behind a tag (following an index).
Result<image::Manifest> image_manifest(registry::RegistryClient& client, const registry::Reference& ref) {
  DL_ASSIGN_OR_RETURN(auto data, client.get_manifest(ref));
  DL_ASSIGN_OR_RETURN(auto doc, image::parse_document(data.bytes, ref.str(), data.media_type));
  if (doc.kind == image::Document::Kind::manifest) return doc.manifest;
  for (auto& m : doc.index.manifests) {
    if (m.platform && (m.platform->architecture != "amd64" || m.platform->os != "linux")) continue;
    if (m.annotations.count("vnd.docker.reference.type")) continue;  // an attestation, not an image
    DL_ASSIGN_OR_RETURN(auto inner, client.get_manifest(ref.with_digest(m.digest.str())));
    return image::parse_manifest(inner.bytes, ref.str(), inner.media_type);
  }
  return not_found(ref.str() + ": index has no linux/amd64 image");
}

}  // namespace

Result<std::optional<PublishedImage>> published_image(registry::RegistryClient& client,
                                                      const registry::Reference& ref) {
  auto head = client.head_manifest(ref);
  if (!head.ok()) {
    if (head.error().kind() == ErrorKind::not_found || head.error().status() == 404)
      return std::optional<PublishedImage>();
    return head.error();
  }
  DL_ASSIGN_OR_RETURN(auto manifest, image_manifest(client, ref));
  DL_ASSIGN_OR_RETURN(auto bytes, client.fetch_blob_bytes(ref, manifest.config.digest));
  DL_ASSIGN_OR_RETURN(auto config, image::parse_config(bytes, ref.str()));
  return std::optional<PublishedImage>(PublishedImage{head->digest, config.config.labels});
}

Result<std::vector<matrix::Cell>> published_cells(registry::RegistryClient& client, const registry::Reference& repo) {
  DL_ASSIGN_OR_RETURN(auto tags, client.list_tags(repo));
  std::map<std::string, size_t> by_config;  // config digest -> cell index (aliases share it)
  std::vector<matrix::Cell> cells;
  std::map<std::string, std::string> primaries;  // cell id -> primary tag
  for (auto& tag : tags) {
    if (attest::is_attachment_tag(tag)) continue;
    auto ref = repo.with_tag(tag);
    DL_ASSIGN_OR_RETURN(auto manifest, image_manifest(client, ref));
    auto key = manifest.config.digest.str();
    if (auto it = by_config.find(key); it != by_config.end()) {
      cells[it->second].tags.push_back(tag);
      continue;
    }
    DL_ASSIGN_OR_RETURN(auto bytes, client.fetch_blob_bytes(repo, manifest.config.digest));
    DL_ASSIGN_OR_RETURN(auto config, image::parse_config(bytes, ref.str()));
    // The one label table reads the cell back (image_labels.h).
    auto labelled = from_labels(config.config.labels);
    if (!labelled) continue;  // not built by dlimage
    matrix::Cell c = std::move(labelled->cell);
    c.repo = repo.registry == "docker.io" ? repo.repository : repo.name();
    // Without the platform label (older images), the config's own fields
    // let resolve offer an image only to machines of its architecture.
    if (c.base.os.empty() || c.base.arch.empty()) {
      c.base.os = config.os;
      c.base.arch = config.architecture;
    }
    c.tags.push_back(tag);
    primaries[c.id] = labelled->primary_tag;
    by_config[key] = cells.size();
    cells.push_back(std::move(c));
  }
  // The primary tag (recorded at build time) first, aliases after it.
  for (auto& c : cells) {
    auto primary = std::find(c.tags.begin(), c.tags.end(), primaries[c.id]);
    if (primary != c.tags.end()) std::rotate(c.tags.begin(), primary, primary + 1);
  }
  return cells;
}

}  // namespace dl::pipeline
