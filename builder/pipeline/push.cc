#include "builder/pipeline/push.h"

#include "builder/pipeline/blob_check.h"
#include "registry/client/blob_source.h"
#include "registry/reference/reference.h"

namespace dl::pipeline {

namespace {

Result<registry::Reference> target_of(const matrix::Cell& c, const registry::HostConfig& hosts, size_t tag) {
  DL_ASSIGN_OR_RETURN(auto ref, registry::parse_reference(c.ref(tag)));
  return hosts.for_push(ref);
}

// True when every tag already names `digest` (one HEAD per tag) and the
// registry holds every blob of `blobs` (one HEAD each, in parallel): a
// registry that lost a layer gets it again.
Result<bool> up_to_date(const matrix::Cell& c, const Digest& digest, const std::vector<image::Descriptor>& blobs,
                        registry::RegistryClient& client) {
  for (size_t i = 0; i < c.tags.size(); ++i) {
    DL_ASSIGN_OR_RETURN(auto ref, target_of(c, client.hosts(), i));
    auto head = client.head_manifest(ref);
    if (!head.ok()) {
      if (head.error().kind() == ErrorKind::not_found || head.error().status() == 404) return false;
      return head.error();
    }
    if (head->digest != digest) return false;
  }
  DL_ASSIGN_OR_RETURN(auto primary, target_of(c, client.hosts(), 0));
  DL_ASSIGN_OR_RETURN(auto problems, check_blobs(client, primary, blobs, client.options().jobs));
  return problems.empty();
}

bool repo_differs(const registry::Reference& a, const Result<registry::Reference>& b) {
  return !b.ok() || a.registry != b->registry || a.repository != b->repository;
}

}  // namespace

Result<PushReport> push_cells(const layout::Layout& layout, const std::vector<CellResult>& cells,
                              registry::RegistryClient& client, const PushProgress& progress) {
  PushReport report;
  auto& stats = client.stats();
  std::uint64_t e0 = stats.blobs_existing, m0 = stats.blobs_mounted, u0 = stats.blobs_uploaded, b0 = stats.bytes_uploaded;
  // digest -> repository (on the same registry) that already has it.
  std::map<std::string, registry::Reference> holder;
  for (size_t i = 0; i < cells.size(); ++i) {
    const auto& cr = cells[i];
    if (progress) progress(i, cells.size(), cr.cell.ref());
    PushedCell pc;
    pc.digest = cr.manifest.digest;
    DL_ASSIGN_OR_RETURN(auto primary, target_of(cr.cell, client.hosts(), 0));
    pc.ref = primary.str();
    for (size_t t = 0; t < cr.cell.tags.size(); ++t) {
      DL_ASSIGN_OR_RETURN(auto r, target_of(cr.cell, client.hosts(), t));
      pc.tags.push_back(r.str());
    }
    DL_ASSIGN_OR_RETURN(auto manifest_bytes, layout.read_blob(cr.manifest));
    DL_ASSIGN_OR_RETURN(auto manifest, image::parse_manifest(manifest_bytes, pc.ref, cr.manifest.media_type));
    std::vector<image::Descriptor> all_blobs = {manifest.config};
    all_blobs.insert(all_blobs.end(), manifest.layers.begin(), manifest.layers.end());
    auto current = up_to_date(cr.cell, cr.manifest.digest, all_blobs, client);
    if (!current.ok()) return current.error().wrap("checking " + pc.ref);
    if (*current) {
      pc.skipped = true;
      ++report.cells_skipped;
      report.cells.push_back(pc);
      continue;
    }
    std::vector<image::Descriptor> blobs = manifest.layers;
    // Blobs one at a time per mount source so a mount can be tried for each;
    // within a cell they still go up in parallel, largest first.
    std::vector<std::shared_ptr<registry::BlobSource>> fresh;
    for (auto& d : blobs) {
      auto src = registry::file_blob(layout.blob_path(d.digest), d.digest, std::uint64_t(d.size), d.media_type);
      auto it = holder.find(d.digest.str());
      if (it != holder.end() && it->second.registry == primary.registry && it->second.repository != primary.repository) {
        auto s = client.push_blob(primary, *src, it->second.repository);
        if (!s.ok()) return s.error().wrap("pushing " + d.digest.str() + " to " + pc.ref);
      } else {
        fresh.push_back(src);
      }
    }
    if (!fresh.empty()) {
      auto s = client.push_blobs(primary, fresh);
      if (!s.ok()) return s.error().wrap("pushing layers of " + pc.ref);
    }
    // The config after the layers, the manifest after the config.
    auto config = registry::file_blob(layout.blob_path(manifest.config.digest), manifest.config.digest,
                                      std::uint64_t(manifest.config.size), manifest.config.media_type);
    DL_TRY(client.push_blob(primary, *config));
    for (auto& d : blobs) holder.emplace(d.digest.str(), primary);
    for (size_t t = 0; t < cr.cell.tags.size(); ++t) {
      DL_ASSIGN_OR_RETURN(auto ref, target_of(cr.cell, client.hosts(), t));
      auto put = client.put_manifest(ref, cr.manifest.media_type, manifest_bytes);
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
  for (auto& cr : cells) {
    for (size_t t = 0; t < cr.cell.tags.size(); ++t) {
      DL_ASSIGN_OR_RETURN(auto ref, target_of(cr.cell, client.hosts(), t));
      auto head = client.head_manifest(ref);
      if (!head.ok()) {
        if (head.error().kind() != ErrorKind::not_found && head.error().status() != 404) return head.error();
        problems.push_back({ref.str(), cr.manifest.digest.str(), "", ""});
      } else if (head->digest != cr.manifest.digest) {
        problems.push_back({ref.str(), cr.manifest.digest.str(), head->digest.str(), ""});
      } else if (t == 0 || repo_differs(ref, target_of(cr.cell, client.hosts(), 0))) {
        // The manifest is right; now its blobs, once per repository.
        DL_ASSIGN_OR_RETURN(auto blobs, manifest_blobs(client, ref, cr.manifest.digest));
        DL_ASSIGN_OR_RETURN(auto bad, check_blobs(client, ref, blobs, client.options().jobs));
        for (auto& b : bad)
          problems.push_back({ref.str(), cr.manifest.digest.str(), head->digest.str(), b.blob.digest.str() + " " + b.what});
      }
    }
  }
  return problems;
}

}  // namespace dl::pipeline
