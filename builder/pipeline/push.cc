#include "builder/pipeline/push.h"

#include <memory>

#include "registry/client/registry_store.h"
#include "registry/reference/reference.h"

namespace dl::pipeline {

namespace {

// The registry side of a push: one store per target repository.
class Targets {
 public:
  explicit Targets(registry::RegistryClient& c) : client_(c) {}
  // Tag `i` of `c` after --registry rewriting.
  Result<registry::Reference> ref(const matrix::Cell& c, size_t i) {
    DL_ASSIGN_OR_RETURN(auto r, registry::parse_reference(c.ref(i)));
    return client_.hosts().for_push(r);
  }
  registry::RegistryStore& store(const registry::Reference& r) {
    auto& s = stores_[r.name()];
    if (!s) s = std::make_unique<registry::RegistryStore>(client_, r);
    return *s;
  }
  // True when every tag already names `digest`; one HEAD per tag.
  Result<bool> up_to_date(const matrix::Cell& c, const Digest& digest) {
    for (size_t i = 0; i < c.tags.size(); ++i) {
      DL_ASSIGN_OR_RETURN(auto r, ref(c, i));
      auto head = store(r).head_manifest(r.tag);
      if (!head.ok()) {
        if (store::is_not_found(head.error())) return false;
        return head.error();
      }
      if (head->digest != digest) return false;
    }
    return true;
  }

 private:
  registry::RegistryClient& client_;
  std::map<std::string, std::unique_ptr<registry::RegistryStore>> stores_;
};

std::shared_ptr<store::BlobSource> source(layout::LayoutStore& from, const image::Descriptor& d) {
  return store::file_blob(from.layout().blob_path(d.digest), d.digest, std::uint64_t(d.size), d.media_type);
}

}  // namespace

Result<PushReport> push_cells(layout::LayoutStore& from, const std::vector<CellResult>& cells,
                              registry::RegistryClient& client, const PushProgress& progress) {
  PushReport report;
  Targets targets(client);
  auto& stats = client.stats();
  std::uint64_t e0 = stats.blobs_existing, m0 = stats.blobs_mounted, u0 = stats.blobs_uploaded, b0 = stats.bytes_uploaded;
  // digest -> repository (on the same registry) that already has it.
  std::map<std::string, store::Origin> holder;
  for (size_t i = 0; i < cells.size(); ++i) {
    const auto& cr = cells[i];
    if (progress) progress(i, cells.size(), cr.cell.ref());
    PushedCell pc;
    pc.digest = cr.manifest.digest;
    DL_ASSIGN_OR_RETURN(auto primary, targets.ref(cr.cell, 0));
    pc.ref = primary.str();
    for (size_t t = 0; t < cr.cell.tags.size(); ++t) {
      DL_ASSIGN_OR_RETURN(auto r, targets.ref(cr.cell, t));
      pc.tags.push_back(r.str());
    }
    auto current = targets.up_to_date(cr.cell, cr.manifest.digest);
    if (!current.ok()) return current.error().wrap("checking " + pc.ref);
    if (*current) {
      pc.skipped = true;
      ++report.cells_skipped;
      report.cells.push_back(pc);
      continue;
    }
    DL_ASSIGN_OR_RETURN(auto manifest_bytes, from.layout().read_blob(cr.manifest));
    DL_ASSIGN_OR_RETURN(auto manifest, image::parse_manifest(manifest_bytes, pc.ref, cr.manifest.media_type));
    // Layers in parallel, largest first; a layer another repository got
    // earlier in this run is mounted from there.
    std::vector<std::shared_ptr<store::BlobSource>> layers;
    for (auto& d : manifest.layers) {
      auto src = source(from, d);
      auto it = holder.find(d.digest.str());
      layers.push_back(it == holder.end() ? src : store::with_origin(src, it->second));
    }
    auto& dst = targets.store(primary);
    auto pushed = dst.put_blobs(layers);
    if (!pushed.ok()) return pushed.error().wrap("pushing layers of " + pc.ref);
    // The config after the layers, the manifest after the config.
    DL_TRY(dst.put_blobs({source(from, manifest.config)}));
    for (auto& d : manifest.layers) holder.emplace(d.digest.str(), store::Origin{primary.registry, primary.repository});
    for (size_t t = 0; t < cr.cell.tags.size(); ++t) {
      DL_ASSIGN_OR_RETURN(auto ref, targets.ref(cr.cell, t));
      auto put = targets.store(ref).put_manifest(cr.manifest.media_type, manifest_bytes, ref.tag);
      if (!put.ok()) return put.error().wrap("putting manifest " + ref.str());
      if (*put != cr.manifest.digest)
        return Error(ErrorKind::integrity, ref.str() + ": registry stored manifest " + put->str() + ", expected " +
                                               cr.manifest.digest.str());
      ++report.manifests_put;
    }
    report.cells.push_back(pc);
  }
  if (progress) progress(cells.size(), cells.size(), "");
  report.blobs_existing = stats.blobs_existing - e0;
  report.blobs_mounted = stats.blobs_mounted - m0;
  report.blobs_uploaded = stats.blobs_uploaded - u0;
  report.bytes_uploaded = stats.bytes_uploaded - b0;
  return report;
}

Result<std::vector<VerifyProblem>> verify_cells(const std::vector<CellResult>& cells, registry::RegistryClient& client) {
  std::vector<VerifyProblem> problems;
  Targets targets(client);
  for (auto& cr : cells) {
    for (size_t t = 0; t < cr.cell.tags.size(); ++t) {
      DL_ASSIGN_OR_RETURN(auto ref, targets.ref(cr.cell, t));
      auto head = targets.store(ref).head_manifest(ref.tag);
      if (!head.ok()) {
        if (!store::is_not_found(head.error())) return head.error();
        problems.push_back({ref.str(), cr.manifest.digest.str(), ""});
      } else if (head->digest != cr.manifest.digest) {
        problems.push_back({ref.str(), cr.manifest.digest.str(), head->digest.str()});
      }
    }
  }
  return problems;
}

}  // namespace dl::pipeline
