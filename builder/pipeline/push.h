// Publishing built cells from the layout to a registry. Builds are
// deterministic, so each cell's manifest digest is known before any upload:
// a cell whose every tag already points at it costs one HEAD per tag and is
// skipped. Otherwise its blobs go up first (HEAD, cross-repository mount
// from a repository that got the blob earlier in this run, upload), then
// the manifest under every tag. A manifest never precedes its blobs.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/result.h"
#include "builder/image/manifest.h"
#include "builder/layout/layout_store.h"
#include "builder/pipeline/cell_builder.h"
#include "registry/client/client.h"

namespace dl::pipeline {

struct PushedCell {
  std::string ref;             // primary tag as pushed (after --registry rewriting)
  std::vector<std::string> tags;
  bool skipped = false;        // every tag already pointed at the digest
  Digest digest;
};

struct PushReport {
  std::vector<PushedCell> cells;
  std::uint64_t cells_skipped = 0, manifests_put = 0;
  std::uint64_t blobs_existing = 0, blobs_mounted = 0, blobs_uploaded = 0, bytes_uploaded = 0;
};

using PushProgress = std::function<void(size_t done, size_t total, const std::string& what)>;

Result<PushReport> push_cells(layout::LayoutStore& from, const std::vector<CellResult>& cells,
                              registry::RegistryClient& client, const PushProgress& progress = {});

// Checks that every tag of every cell points at the digest it would build.
struct VerifyProblem {
  std::string ref, want, got;  // got "" = tag missing
};
Result<std::vector<VerifyProblem>> verify_cells(const std::vector<CellResult>& cells, registry::RegistryClient& client);

}  // namespace dl::pipeline
