#include "builder/pipeline/auto_index.h"
#include "builder/pipeline/build.h"

#include <map>

#include "builder/attest/attach.h"
#include "builder/cpu/levels.h"
#include "builder/image/manifest.h"
#include "builder/matrix/matrix.h"

namespace dl::pipeline {

namespace {

// The attestation manifest entry of a cell's BuildKit index, if it has one.
Result<std::optional<image::Descriptor>> attestation_of(BuildContext& ctx, const CellResult& cr) {
  if (!image::is_index_media_type(cr.manifest.media_type)) return std::optional<image::Descriptor>();
  DL_ASSIGN_OR_RETURN(auto bytes, ctx.out().read_blob(cr.manifest));
  DL_ASSIGN_OR_RETURN(auto idx, image::parse_index(bytes, cr.cell.ref(), cr.manifest.media_type));
  for (auto& m : idx.manifests)
    if (m.annotations.count(std::string(attest::kRefTypeAnnotation))) return std::optional<image::Descriptor>(m);
  return std::optional<image::Descriptor>();
}

}  // namespace

Result<std::vector<CellResult>> build_auto_indexes(BuildContext& ctx, const std::vector<CellResult>& built,
                                                   std::vector<std::string>& notes) {
  std::map<std::string, std::vector<const CellResult*>> groups;  // repo:auto_tag -> its built cells
  std::vector<std::string> order;
  for (auto& cr : built) {
    if (cr.cell.auto_tag.empty()) continue;
    auto key = cr.cell.repo + ":" + cr.cell.auto_tag;
    if (!groups.count(key)) order.push_back(key);
    groups[key].push_back(&cr);
  }
  std::vector<CellResult> out;
  if (order.empty()) return out;
  // The whole group must be in this run, or the index would list a part.
  DL_ASSIGN_OR_RETURN(auto full, load_matrix(ctx.options()));
  std::map<std::string, size_t> members;
  for (auto& c : full.cells)
    if (!c.auto_tag.empty()) members[c.repo + ":" + c.auto_tag]++;
  for (auto& key : order) {
    const auto& cells = groups[key];
    if (cells.size() != members[key]) {
      notes.push_back(key + ": not written: " + std::to_string(cells.size()) + " of the " +
                      std::to_string(members[key]) +
                      " ISA builds of its group were built in this run (--filter/--shard split the group)");
      continue;
    }
    std::map<std::string, const CellResult*> by_variant;  // "" < "v3" < "v4": the plain build first
    for (auto* cr : cells) {
      auto v = cpu::amd64_variant(cr->cell.isa.features);
      if (!v) continue;  // AVX alone: no level
      auto [it, fresh] = by_variant.emplace(*v, cr);
      if (!fresh)
        return invalid(key + ": " + it->second->cell.ref() + " and " + cr->cell.ref() + " are both amd64" +
                       (v->empty() ? "" : "/" + *v) + "; an auto index holds one build per level");
    }
    if (!by_variant.count(""))
      return invalid(key +
                     ": no build without ISA extensions in its group; an auto index needs one first "
                     "(engines that ignore variants, Docker 18.09 among them, take the first entry)");
    image::Index index;
    index.format = image::ManifestFormat::oci;
    std::vector<image::Descriptor> attestations;
    for (auto& [variant, cr] : by_variant) {
      image::Descriptor d = cr->image;
      d.annotations.clear();
      d.platform = image::Platform{"amd64", "linux", variant, "", {}};
      index.manifests.push_back(d);
      DL_ASSIGN_OR_RETURN(auto att, attestation_of(ctx, *cr));
      if (att) attestations.push_back(*att);
    }
    index.manifests.insert(index.manifests.end(), attestations.begin(), attestations.end());
    DL_ASSIGN_OR_RETURN(auto bytes, image::serialize(index));
    auto put = ctx.out_store().put_manifest(index.media_type(), bytes, key);
    if (!put.ok()) return put.error().wrap(key);
    CellResult r;
    r.cell = by_variant.at("")->cell;
    r.cell.id += "-auto";
    r.cell.tags = {r.cell.auto_tag};
    r.auto_index = true;
    r.manifest = r.image = image::describe(index.media_type(), bytes);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace dl::pipeline
