#include "builder/pipeline/attest_cell.h"

#include <nlohmann/json.hpp>

#include <optional>

#include "base/fs.h"
#include "base/version.h"
#include "builder/apt/status.h"
#include "builder/attest/inputs_key.h"
#include "builder/attest/provenance.h"
#include "builder/attest/statement.h"
#include "builder/layer/compress.h"
#include "builder/pipeline/tree_scan.h"
#include "registry/reference/reference.h"

namespace dl::pipeline {

namespace {

// The OS packages of the base image, from its dpkg status (cached in the
// layout per layer stack: tree_scan.h).
Result<std::vector<attest::SbomDeb>> base_packages(BuildContext& ctx, const layout::StoredImage& base) {
  std::vector<attest::SbomDeb> out;
  if (base.manifest.layers.empty()) return out;
  DL_ASSIGN_OR_RETURN(auto status, dpkg_status_of(ctx.out(), base.manifest.layers));
  if (status.empty()) return out;
  DL_ASSIGN_OR_RETURN(auto pkgs, apt::parse_status(status, "base image var/lib/dpkg/status"));
  for (auto& p : pkgs) out.push_back({p.name, p.version, p.arch, "", "base"});
  return out;
}

// "debian:bookworm" -> "docker.io/library/debian:bookworm", as purls want.
std::string full_reference(const std::string& ref) {
  auto r = registry::parse_reference(ref);
  return r.ok() ? r->str() : ref;
}

attest::BuildParameters parameters(BuildContext& ctx, const CellPlan& plan, const layout::StoredImage& base) {
  const auto& cell = plan.cell;
  const auto& o = ctx.options();
  attest::BuildParameters p;
  // File names, not paths: where the checkout sits must not change the digest.
  p.matrix_file = fs::path(o.matrix_file).filename().string();
  p.cell_id = cell.id;
  p.cell_reference = cell.ref();
  p.cell = cell.axes;
  p.revision = o.revision;
  p.source_url = o.source_url;
  p.lock_file = o.lock_file.empty() ? "" : fs::path(o.lock_file).filename().string();
  p.lock_digest = plan.lock_digest;  // the label's entries (provenance.h)
  if (!cell.base.scratch()) {
    p.base_reference = full_reference(cell.base.ref);
    p.base_digest = base.manifest_descriptor.digest;
  }
  p.compression = std::string(layer::compression_name(o.compression.algorithm));
  int level = o.compression.level;
  if (level == 0) level = o.compression.algorithm == layer::Compression::zstd ? 3 : 1;
  p.compression_level = level;
  p.compression_engine =
      o.compression.algorithm == layer::Compression::gzip ? std::string(layer::gzip_engine(level)) : p.compression;
  p.source_date_epoch = o.source_date_epoch;
  p.manifest_format = std::string(image::format_name(o.format));
  p.builder_version = std::string(dlimage_version());
  p.builder_commit = std::string(dlimage_commit());
  return p;
}

}  // namespace

namespace {

fs::path memo_path(const layout::Layout& l, const std::string& key) {
  return l.root() / ".dlimage-cache" / "attest" / (key + ".json");
}

nlohmann::json descriptor_json(const image::Descriptor& d) {
  nlohmann::json j = {{"mediaType", d.media_type}, {"digest", d.digest.str()}, {"size", d.size}};
  if (!d.annotations.empty()) j["annotations"] = d.annotations;
  return j;
}

std::optional<image::Descriptor> descriptor_of(const nlohmann::json& j) {
  if (!j.is_object()) return std::nullopt;
  auto d = Digest::parse(j.value("digest", ""));
  if (!d.ok()) return std::nullopt;
  image::Descriptor out;
  out.media_type = j.value("mediaType", "");
  out.digest = *d;
  out.size = j.value("size", std::int64_t(0));
  if (j.contains("annotations") && j["annotations"].is_object())
    for (auto& [k, v] : j["annotations"].items())
      if (v.is_string()) out.annotations[k] = v.get<std::string>();
  return out;
}

// What an earlier build attached for these inputs, when the layout still
// holds every manifest and statement of it.
std::optional<attest::Attached> remembered(const layout::Layout& l, const std::string& key) {
  auto text = read_file(memo_path(l, key));
  if (!text.ok()) return std::nullopt;
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (!j.is_object() || !j.contains("referrers") || !j["referrers"].is_array() || !j.contains("blobs") ||
      !j["blobs"].is_array())
    return std::nullopt;
  attest::Attached a;
  if (j.contains("index")) {  // BuildKit's index (--attest-format buildkit)
    auto index = descriptor_of(j["index"]);
    if (!index || !l.has_blob(index->digest)) return std::nullopt;
    a.index = *index;
  }
  for (auto& r : j["referrers"]) {
    auto d = descriptor_of(r);
    if (!d || !l.has_blob(d->digest)) return std::nullopt;
    a.referrers.push_back(*d);
  }
  for (auto& b : j["blobs"]) {
    auto d = Digest::parse(b.is_string() ? b.get<std::string>() : "");
    if (!d.ok() || !l.has_blob(*d)) return std::nullopt;
  }
  return a;
}

Status remember(const layout::Layout& l, const std::string& key, const attest::Attached& a,
                const std::vector<attest::Attestation>& statements) {
  nlohmann::json refs = nlohmann::json::array(), blobs = nlohmann::json::array();
  for (auto& r : a.referrers) refs.push_back(descriptor_json(r));
  bool buildkit = !a.index.digest.empty();
  if (buildkit) blobs.push_back(a.attestation.digest.str());
  for (auto& s : statements) blobs.push_back(Digest::of(s.statement).str());
  nlohmann::json j = {{"referrers", refs}, {"blobs", blobs}};
  if (buildkit) j["index"] = descriptor_json(a.index);
  return write_file_atomic(memo_path(l, key), j.dump());
}

}  // namespace

Status attest_cell(BuildContext& ctx, const CellPlan& plan, const layout::StoredImage& base,
                   const layout::StoredRefs& image, CellResult& result) {
  const auto& cell = plan.cell;
  const auto& inputs = plan.inputs;
  attest::ImageContents c;
  c.reference = cell.ref();
  if (!cell.base.scratch()) {
    c.base_reference = full_reference(cell.base.ref);
    c.base_digest = base.manifest_descriptor.digest;
  }
  // Once per base per build: every cell on it lists the same packages.
  auto& known = ctx.base_sbom_debs();
  auto found = known.find(base.manifest_descriptor.digest.str());
  if (found == known.end()) {
    DL_ASSIGN_OR_RETURN(auto debs, base_packages(ctx, base));
    found = known.emplace(base.manifest_descriptor.digest.str(), std::move(debs)).first;
  }
  c.debs = found->second;
  // The OS-package layer's .debs; an upgraded base package is listed once, as built.
  for (auto& d : inputs.debs) {
    std::erase_if(c.debs, [&](const attest::SbomDeb& b) { return b.name == d.name && b.arch == d.arch; });
    c.debs.push_back(d);
  }
  c.wheels = inputs.wheels;
  c.artifacts = inputs.artifacts;
  c.created_epoch = ctx.options().source_date_epoch;
  c.tool = "dlimage-" + std::string(dlimage_version());

  image::Platform platform{base.config.architecture, base.config.os, "", "", {}};
  std::vector<attest::Subject> subject = {
      {attest::docker_purl(cell.ref(), platform.os, platform.architecture), image.manifest.digest}};
  auto params = parameters(ctx, plan, base);
  // Statements are deterministic in these inputs: an unchanged cell reuses
  // what the last build attached (checked to be in the layout still)
  // instead of generating and serializing its JSON again.
  attest::InputsKey k;
  attest::add_inputs(k, c);
  attest::add_inputs(k, params);
  attest::add_inputs(k, subject, platform);
  k.add(image.manifest.media_type).add(image.manifest.size);
  const auto format =
      ctx.options().format == image::ManifestFormat::oci ? ctx.options().attest_format : attest::Format::referrers;
  k.add(attest::format_name(format));
  std::string key = k.hex();
  auto attached = remembered(ctx.out(), key);
  if (attached) {
    DL_ASSIGN_OR_RETURN(attached->referrers_index,
                        attest::merge_referrers_index(ctx.out_store(), image.manifest.digest, attached->referrers));
  } else {
    attest::Statement sbom{std::string(attest::kSpdxPredicate), subject, attest::spdx_document(c)};
    attest::Statement prov{std::string(attest::kSlsaPredicate), subject, attest::slsa_provenance(params)};
    std::vector<attest::Attestation> statements = {{sbom.predicate_type, attest::serialize(sbom)},
                                                   {prov.predicate_type, attest::serialize(prov)}};
    DL_ASSIGN_OR_RETURN(attached, attest::attach(ctx.out_store(), format, image.manifest, platform, statements));
    // Only slower if it fails: the next build generates them again.
    (void)remember(ctx.out(), key, *attached, statements);
  }
  // Referrers only: the tags stay on the image manifest, the one every reader takes.
  result.manifest = format == attest::Format::buildkit ? attached->index : image.manifest;
  for (auto& ref : cell.refs()) DL_TRY(ctx.out_store().tag(ref, result.manifest.digest));
  result.referrers = attached->referrers;
  return {};
}

}  // namespace dl::pipeline
