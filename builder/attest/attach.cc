#include "builder/attest/attach.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <set>

#include "base/json_limits.h"
#include "builder/attest/statement.h"

namespace dl::attest {

namespace {

using nlohmann::json;

constexpr size_t kMaxStatement = 16u << 20;      // an SBOM of thousands of packages is a few MB
constexpr size_t kMaxEntries = 1024;             // manifests in an index, layers in a manifest
constexpr std::string_view kEmptyConfig = "{}";  // the OCI empty descriptor's content

json descriptor_json(const image::Descriptor& d, const std::string& artifact_type = "") {
  json j = {{"mediaType", d.media_type}, {"digest", d.digest.str()}, {"size", d.size}};
  if (!artifact_type.empty()) j["artifactType"] = artifact_type;
  if (!d.annotations.empty()) j["annotations"] = d.annotations;
  if (d.platform) {
    j["platform"] = {{"architecture", d.platform->architecture}, {"os", d.platform->os}};
    if (!d.platform->variant.empty()) j["platform"]["variant"] = d.platform->variant;
  }
  return j;
}

image::Descriptor blob_descriptor(std::string_view media_type, const std::string& bytes) {
  return image::describe(media_type, bytes);
}

// Stores a manifest (by digest only) whose blobs are already stored.
Result<image::Descriptor> put_manifest(store::ImageStore& store, std::string_view media_type,
                                       const std::string& bytes) {
  auto d = image::describe(media_type, bytes);
  DL_ASSIGN_OR_RETURN(auto got, store.put_manifest(std::string(media_type), bytes, ""));
  if (got != d.digest)
    return Error(ErrorKind::integrity, store.name() + " stored " + got.str() + ", expected " + d.digest.str());
  return d;
}

Result<std::string> read_blob(store::ImageStore& store, const std::string& media_type, const Digest& digest,
                              std::uint64_t size, size_t max) {
  if (size > max)
    return invalid("blob " + digest.str() + ": " + std::to_string(size) + " bytes, more than " + std::to_string(max));
  DL_ASSIGN_OR_RETURN(auto src, store.open_blob({media_type, digest, size}));
  std::string out;
  DL_TRY(src->write_to([&](const char* p, size_t n) -> Status {
    if (out.size() + n > max) return invalid("blob " + digest.str() + " is larger than its descriptor says");
    out.append(p, n);
    return {};
  }));
  if (Digest::of(out) != digest)
    return Error(ErrorKind::integrity, "blob " + digest.str() + " does not match its digest");
  return out;
}

Result<json> get_json(store::ImageStore& store, const std::string& ref, std::string* media_type = nullptr) {
  DL_ASSIGN_OR_RETURN(auto m, store.get_manifest(ref));
  std::string what = store.name() + "@" + ref;
  DL_TRY(check_json_limits(m.bytes, what));
  auto j = json::parse(m.bytes, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return invalid(what + ": not a JSON object");
  if (media_type) *media_type = j.value("mediaType", m.media_type);
  return j;
}

// The in-toto layers of a manifest, read and checked.
Status collect_layers(store::ImageStore& store, const std::string& ref, const std::string& where,
                      std::vector<Found>& out) {
  DL_ASSIGN_OR_RETURN(json m, get_json(store, ref));
  if (!m.contains("layers") || !m["layers"].is_array()) return {};
  if (m["layers"].size() > kMaxEntries) return invalid(where + ": too many layers");
  for (auto& l : m["layers"]) {
    if (!l.is_object() || l.value("mediaType", "") != kInTotoMediaType) continue;
    auto d = Digest::parse(l.value("digest", ""));
    if (!d.ok()) return invalid(where + ": " + d.error().message());
    DL_ASSIGN_OR_RETURN(auto bytes, read_blob(store, std::string(kInTotoMediaType), *d,
                                              l.value("size", std::uint64_t(0)), kMaxStatement));
    std::string pt;
    if (l.contains("annotations") && l["annotations"].is_object())
      pt = l["annotations"].value(std::string(kPredicateTypeAnnotation), "");
    auto st = parse_statement(bytes, where);
    if (st.ok() && pt.empty()) pt = st->predicate_type;
    out.push_back({pt, std::move(bytes), where});
  }
  return {};
}

}  // namespace

std::string referrers_tag(const Digest& subject) { return subject.algorithm + "-" + subject.hex; }

bool is_attachment_tag(std::string_view tag) {
  if (tag.size() < 71 || tag.substr(0, 7) != "sha256-") return false;
  for (size_t i = 7; i < 71; ++i)
    if (!std::isxdigit(static_cast<unsigned char>(tag[i]))) return false;
  return tag.size() == 71 || tag[71] == '.';
}

namespace {

struct Statements {
  json layers = json::array(), diff_ids = json::array();
  std::vector<std::shared_ptr<store::BlobSource>> blobs;
};

// The statements as in-toto layers, with their blobs and the empty config's.
Statements in_toto_layers(const std::vector<Attestation>& statements) {
  Statements out;
  for (auto& s : statements) {
    auto d = blob_descriptor(kInTotoMediaType, s.statement);
    d.annotations[std::string(kPredicateTypeAnnotation)] = s.predicate_type;
    out.layers.push_back(descriptor_json(d));
    out.diff_ids.push_back(d.digest.str());
    out.blobs.push_back(store::memory_blob(s.statement, std::string(kInTotoMediaType)));
  }
  out.blobs.push_back(store::memory_blob(std::string(kEmptyConfig), std::string(kEmptyMediaType)));
  return out;
}

// BuildKit's attestation manifest and the index over it and the image.
Status attach_buildkit(store::ImageStore& store, const image::Descriptor& image_manifest,
                       const image::Platform& platform, const Statements& st, Attached& out) {
  // BuildKit's attestation config: unknown/unknown, the layers as diff_ids.
  std::string config = json{{"architecture", "unknown"},
                            {"os", "unknown"},
                            {"config", json::object()},
                            {"rootfs", {{"type", "layers"}, {"diff_ids", st.diff_ids}}}}
                           .dump();
  DL_TRY(store.put_blobs({store::memory_blob(config, "application/vnd.oci.image.config.v1+json")}));
  json att = {{"schemaVersion", 2},
              {"mediaType", std::string(image::media::kOciManifest)},
              {"config", descriptor_json(blob_descriptor(image::media::kOciConfig, config))},
              {"layers", st.layers}};
  DL_ASSIGN_OR_RETURN(out.attestation, put_manifest(store, image::media::kOciManifest, att.dump()));
  out.attestation.annotations = {{std::string(kRefDigestAnnotation), image_manifest.digest.str()},
                                 {std::string(kRefTypeAnnotation), std::string(kAttestationManifest)}};
  out.attestation.platform = image::Platform{"unknown", "unknown", "", "", {}};
  image::Descriptor img = image_manifest;
  img.platform = platform;
  img.annotations.clear();
  json index = {{"schemaVersion", 2},
                {"mediaType", std::string(image::media::kOciIndex)},
                {"manifests", json::array({descriptor_json(img), descriptor_json(out.attestation)})}};
  DL_ASSIGN_OR_RETURN(out.index, put_manifest(store, image::media::kOciIndex, index.dump()));
  return {};
}

// OCI 1.1 referrers: one artifact per statement, about the image manifest.
Status attach_referrers(store::ImageStore& store, const image::Descriptor& image_manifest,
                        const std::vector<Attestation>& statements, const Statements& st, Attached& out) {
  json subject = {
      {"mediaType", image_manifest.media_type}, {"digest", image_manifest.digest.str()}, {"size", image_manifest.size}};
  for (size_t i = 0; i < statements.size(); ++i) {
    json ref = {{"schemaVersion", 2},
                {"mediaType", std::string(image::media::kOciManifest)},
                {"artifactType", kInTotoMediaType},
                {"config", descriptor_json(blob_descriptor(kEmptyMediaType, std::string(kEmptyConfig)))},
                {"layers", json::array({st.layers[i]})},
                {"subject", subject},
                {"annotations", {{std::string(kPredicateTypeAnnotation), statements[i].predicate_type}}}};
    DL_ASSIGN_OR_RETURN(auto d, put_manifest(store, image::media::kOciManifest, ref.dump()));
    d.annotations = {{std::string(kPredicateTypeAnnotation), statements[i].predicate_type}};
    out.referrers.push_back(d);
  }
  DL_ASSIGN_OR_RETURN(out.referrers_index, merge_referrers_index(store, image_manifest.digest, out.referrers));
  return {};
}

}  // namespace

Result<Attached> attach(store::ImageStore& store, Format format, const image::Descriptor& image_manifest,
                        const image::Platform& platform, const std::vector<Attestation>& statements) {
  Attached out;
  Statements st = in_toto_layers(statements);
  DL_TRY(store.put_blobs(st.blobs));
  if (format == Format::buildkit) DL_TRY(attach_buildkit(store, image_manifest, platform, st, out));
  DL_TRY(attach_referrers(store, image_manifest, statements, st, out));
  return out;
}

Result<image::Descriptor> merge_referrers_index(store::ImageStore& store, const Digest& subject,
                                                const std::vector<image::Descriptor>& referrers) {
  const std::string tag = referrers_tag(subject);
  json manifests = json::array();
  auto existing = get_json(store, tag);
  if (existing.ok()) {
    if (existing->contains("manifests") && (*existing)["manifests"].is_array()) manifests = (*existing)["manifests"];
  } else if (!store::is_not_found(existing.error())) {
    return existing.error().wrap(store.name() + ":" + tag);
  }
  if (manifests.size() > kMaxEntries) return invalid(store.name() + ":" + tag + ": more than 1024 referrers");
  std::set<std::string> listed;
  for (auto& m : manifests)
    if (m.is_object()) listed.insert(m.value("digest", ""));
  bool changed = !existing.ok();
  for (auto& r : referrers)
    if (listed.insert(r.digest.str()).second) {
      manifests.push_back(descriptor_json(r, std::string(kInTotoMediaType)));
      changed = true;
    }
  json index =
      existing.ok() ? *existing : json{{"schemaVersion", 2}, {"mediaType", std::string(image::media::kOciIndex)}};
  index["manifests"] = manifests;
  std::string bytes = index.dump();
  if (!changed) {
    DL_ASSIGN_OR_RETURN(auto head, store.head_manifest(tag));
    image::Descriptor d;
    d.media_type = head.media_type;
    d.digest = head.digest;
    d.size = std::int64_t(head.size);
    return d;
  }
  auto d = image::describe(image::media::kOciIndex, bytes);
  DL_ASSIGN_OR_RETURN(auto got, store.put_manifest(std::string(image::media::kOciIndex), bytes, tag));
  d.digest = got;
  return d;
}

Result<std::vector<Found>> read_attestations(store::ImageStore& store, const std::string& ref) {
  std::vector<Found> out;
  std::string media_type;
  DL_ASSIGN_OR_RETURN(json top, get_json(store, ref, &media_type));
  std::vector<Digest> subjects;
  if (image::is_index_media_type(media_type) || top.contains("manifests")) {
    if (!top["manifests"].is_array() || top["manifests"].size() > kMaxEntries) return invalid(ref + ": bad index");
    for (auto& m : top["manifests"]) {
      if (!m.is_object()) continue;
      auto d = Digest::parse(m.value("digest", ""));
      if (!d.ok()) continue;
      bool att = m.contains("annotations") && m["annotations"].is_object() &&
                 m["annotations"].value(std::string(kRefTypeAnnotation), "") == kAttestationManifest;
      if (att)
        DL_TRY(collect_layers(store, d->str(), "attestation manifest " + d->str(), out));
      else
        subjects.push_back(*d);
    }
  } else {
    DL_ASSIGN_OR_RETURN(auto head, store.head_manifest(ref));
    subjects.push_back(head.digest);
  }
  for (auto& s : subjects) {
    auto idx = get_json(store, referrers_tag(s));
    if (!idx.ok()) {
      if (store::is_not_found(idx.error())) continue;
      return idx.error();
    }
    if (!idx->contains("manifests") || !(*idx)["manifests"].is_array()) continue;
    for (auto& m : (*idx)["manifests"]) {
      if (!m.is_object() || m.value("artifactType", "") != kInTotoMediaType) continue;
      auto d = Digest::parse(m.value("digest", ""));
      if (d.ok()) DL_TRY(collect_layers(store, d->str(), "referrer " + d->str(), out));
    }
  }
  return out;
}

}  // namespace dl::attest
