#include "builder/image/manifest.h"

#include "builder/image/json_internal.h"

namespace dl::image {

using detail::Doc;
using detail::Json;

Result<Manifest> build_manifest(ManifestFormat format, const Descriptor& config, std::vector<Descriptor> layers,
                                std::map<std::string, std::string> annotations) {
  Manifest m;
  m.format = format;
  m.config = config;
  m.config.media_type = std::string(config_media_type(format));
  for (size_t i = 0; i < layers.size(); ++i) {
    auto mt = convert_layer_media_type(layers[i].media_type, format);
    if (!mt.ok()) return mt.error().wrap("layer " + std::to_string(i) + " (" + layers[i].digest.str() + ")");
    layers[i].media_type = *mt;
  }
  m.layers = std::move(layers);
  if (format == ManifestFormat::oci) m.annotations = std::move(annotations);
  return m;
}

std::map<std::string, std::string> oci_annotations(const ImageMetadata& m) {
  std::map<std::string, std::string> a;
  a[std::string(annotation::kCreated)] = rfc3339(m.created_epoch);
  auto put = [&](std::string_view k, const std::string& v) {
    if (!v.empty()) a[std::string(k)] = v;
  };
  put(annotation::kVersion, m.version);
  put(annotation::kRevision, m.revision);
  put(annotation::kSource, m.source);
  put(annotation::kTitle, m.title);
  put(annotation::kBaseName, m.base_name);
  if (!m.base_digest.empty()) put(annotation::kBaseDigest, m.base_digest.str());
  return a;
}

Result<std::string> serialize(const Manifest& m) {
  Json j = {{"schemaVersion", 2}, {"mediaType", m.media_type()}, {"config", detail::to_json(m.config)}};
  Json layers = Json::array();
  for (const auto& l : m.layers) layers.push_back(detail::to_json(l));
  j["layers"] = layers;
  if (m.format == ManifestFormat::oci && !m.annotations.empty()) j["annotations"] = m.annotations;
  return detail::dump(j, "manifest");
}

Result<std::string> serialize(const Index& i) {
  Json j = {{"schemaVersion", 2}, {"mediaType", i.media_type()}};
  Json ms = Json::array();
  for (const auto& d : i.manifests) ms.push_back(detail::to_json(d));
  j["manifests"] = ms;
  if (i.format == ManifestFormat::oci && !i.annotations.empty()) j["annotations"] = i.annotations;
  return detail::dump(j, "index");
}

namespace {

// The document's declared media type, cross-checked against content_type.
Result<std::string> declared_type(const Doc& doc, const Json& j, std::string_view content_type) {
  DL_ASSIGN_OR_RETURN(std::string mt, doc.str(j, "mediaType", "", false));
  if (!mt.empty() && !content_type.empty() && mt != content_type && content_type != "application/json")
    return invalid(doc.source + ": mediaType \"" + mt + "\" does not match the content type \"" +
                   std::string(content_type) + "\"");
  if (mt.empty() && content_type != "application/json") mt = std::string(content_type);
  return mt;
}

Status check_schema_version(const Doc& doc, const Json& j) {
  DL_ASSIGN_OR_RETURN(std::int64_t v, doc.integer(j, "schemaVersion", "", true));
  if (v != 2) return doc.error("schemaVersion", "2 (schema 1 manifests are not supported)", &j["schemaVersion"]);
  return {};
}

Result<Manifest> manifest_from(const Doc& doc, const Json& j, const std::string& mt) {
  Manifest m;
  if (mt == media::kDockerManifest) {
    m.format = ManifestFormat::docker_v2;
  } else if (mt.empty() || mt == media::kOciManifest) {
    m.format = ManifestFormat::oci;
  } else {
    return invalid(doc.source + ": mediaType: expected " + std::string(media::kOciManifest) + " or " +
                   std::string(media::kDockerManifest) + ", got \"" + mt + "\"");
  }
  DL_TRY(check_schema_version(doc, j));
  auto cfg = j.find("config");
  if (cfg == j.end()) return doc.error("config", "a descriptor (field is missing)", nullptr);
  DL_ASSIGN_OR_RETURN(m.config, doc.descriptor(*cfg, "config"));
  auto layers = j.find("layers");
  if (layers == j.end() || !layers->is_array())
    return doc.error("layers", "an array of descriptors", layers == j.end() ? nullptr : &*layers);
  for (size_t i = 0; i < layers->size(); ++i) {
    DL_ASSIGN_OR_RETURN(Descriptor d, doc.descriptor((*layers)[i], "layers[" + std::to_string(i) + "]"));
    m.layers.push_back(std::move(d));
  }
  DL_ASSIGN_OR_RETURN(m.annotations, doc.string_map(j, "annotations", ""));
  return m;
}

Result<Index> index_from(const Doc& doc, const Json& j, const std::string& mt) {
  Index idx;
  if (mt == media::kDockerManifestList) {
    idx.format = ManifestFormat::docker_v2;
  } else if (mt.empty() || mt == media::kOciIndex) {
    idx.format = ManifestFormat::oci;
  } else {
    return invalid(doc.source + ": mediaType: expected " + std::string(media::kOciIndex) + " or " +
                   std::string(media::kDockerManifestList) + ", got \"" + mt + "\"");
  }
  DL_TRY(check_schema_version(doc, j));
  auto ms = j.find("manifests");
  if (ms == j.end() || !ms->is_array())
    return doc.error("manifests", "an array of descriptors", ms == j.end() ? nullptr : &*ms);
  for (size_t i = 0; i < ms->size(); ++i) {
    DL_ASSIGN_OR_RETURN(Descriptor d, doc.descriptor((*ms)[i], "manifests[" + std::to_string(i) + "]"));
    idx.manifests.push_back(std::move(d));
  }
  DL_ASSIGN_OR_RETURN(idx.annotations, doc.string_map(j, "annotations", ""));
  return idx;
}

}  // namespace

Result<Manifest> parse_manifest(std::string_view text, const std::string& source, std::string_view content_type) {
  DL_ASSIGN_OR_RETURN(Json j, detail::parse_json(text, source));
  Doc doc{source};
  DL_TRY(doc.object(j, ""));
  DL_ASSIGN_OR_RETURN(std::string mt, declared_type(doc, j, content_type));
  return manifest_from(doc, j, mt);
}

Result<Index> parse_index(std::string_view text, const std::string& source, std::string_view content_type) {
  DL_ASSIGN_OR_RETURN(Json j, detail::parse_json(text, source));
  Doc doc{source};
  DL_TRY(doc.object(j, ""));
  DL_ASSIGN_OR_RETURN(std::string mt, declared_type(doc, j, content_type));
  return index_from(doc, j, mt);
}

Result<Document> parse_document(std::string_view text, const std::string& source, std::string_view content_type) {
  DL_ASSIGN_OR_RETURN(Json j, detail::parse_json(text, source));
  Doc doc{source};
  DL_TRY(doc.object(j, ""));
  DL_ASSIGN_OR_RETURN(std::string mt, declared_type(doc, j, content_type));
  Document d;
  bool index = is_index_media_type(mt) || (mt.empty() && j.contains("manifests"));
  if (index) {
    d.kind = Document::Kind::index;
    DL_ASSIGN_OR_RETURN(d.index, index_from(doc, j, mt));
  } else {
    if (!mt.empty() && !is_manifest_media_type(mt))
      return invalid(source + ": mediaType: expected an image manifest or index media type, got \"" + mt + "\"");
    DL_ASSIGN_OR_RETURN(d.manifest, manifest_from(doc, j, mt));
  }
  return d;
}

Result<std::string> canonical_json(std::string_view text, const std::string& source) {
  DL_ASSIGN_OR_RETURN(Json j, detail::parse_json(text, source));
  return detail::dump(j, source);
}

}  // namespace dl::image
