#include "builder/pipeline/attest_cell.h"

#include "base/version.h"
#include "builder/apt/status.h"
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
  DL_ASSIGN_OR_RETURN(c.debs, base_packages(ctx, base));
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
  attest::Statement sbom{std::string(attest::kSpdxPredicate), subject, attest::spdx_document(c)};
  attest::Statement prov{std::string(attest::kSlsaPredicate), subject,
                         attest::slsa_provenance(parameters(ctx, plan, base))};
  DL_ASSIGN_OR_RETURN(auto attached, attest::attach(ctx.out_store(), image.manifest, platform,
                                                    {{sbom.predicate_type, attest::serialize(sbom)},
                                                     {prov.predicate_type, attest::serialize(prov)}}));
  for (auto& ref : cell.refs()) DL_TRY(ctx.out_store().tag(ref, attached.index.digest));
  result.manifest = attached.index;
  result.referrers = attached.referrers;
  return {};
}

}  // namespace dl::pipeline
