// `dlimage promote`: every tag of the selected matrix cells copied from one
// namespace or registry (--from-registry, --from-namespace) to where
// `build --push` with the same --registry/--namespace would push them, by
// digest and without rebuilding: the source tag is resolved to its digest
// once, and that digest is copied with builder/copy's one algorithm (blobs
// mounted or copied, the manifest put under each tag last). Tags that
// already name the digest are left alone. Aliases of a cell must name the
// same digest as its primary tag at the source, or the cell is refused.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "builder/pipeline/build.h"
#include "builder/pipeline/options.h"
#include "registry/session/session.h"

namespace dl::pipeline {

struct PromoteOptions {
  BuildOptions selection;  // matrix, filters, shard; registry: the destination (--registry, --namespace)
  std::string from_registry, from_namespace;  // "" = the matrix's own
  bool dry_run = false;                       // resolve and compare only
};

struct PromotedTag {
  std::string from, to;  // full references
  std::string digest;
  bool already = false;  // the destination named the digest already
};

struct PromoteReport {
  std::vector<PromotedTag> tags;
  std::vector<CellFailure> failures;
  std::uint64_t blobs_copied = 0, blobs_mounted = 0, blobs_existing = 0, bytes = 0;
};

Result<PromoteReport> promote(const PromoteOptions& opts, registry::Session& session);

std::string promote_json(const PromoteReport& r);  // schema 1, kind dlimage.promote

}  // namespace dl::pipeline
