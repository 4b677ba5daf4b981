// Publishing built cells from the layout to a registry, bound by bandwidth
// rather than by round trips. Builds are deterministic, so each cell's
// manifest digest is known before any upload:
//
//   1. check: one HEAD per tag, all in parallel (started before the build
//      by push_check.h when there is one); a cell whose every tag already
//      names its digest, and whose every blob the registry still holds
//      (one HEAD per unique blob), is done.
//   2. publish: up to `jobs` cells at a time; within a cell the blobs go in
//      parallel. Every unique blob goes up once per run: the first
//      repository that needs it uploads it (HEAD, POST, PUT), every other
//      repository on that registry mounts it from one that has it (POST
//      ?mount=&from=, with pull scope on the source in the token), and one
//      that needs it while it is still going up waits for that upload.
//   3. A cell's manifest is put under every tag as soon as its blobs are
//      in: never before them.
//
// A failed cell is recorded with its cause; with keep_going the others go
// on, otherwise no new cell starts.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/result.h"
#include "builder/image/manifest.h"
#include "builder/layout/layout_store.h"
#include "builder/pipeline/build.h"
#include "builder/pipeline/cell_builder.h"
#include "builder/pipeline/progress.h"
#include "registry/client/client.h"

namespace dl::pipeline {

struct PushedCell {
  std::string id;   // the matrix cell's id
  std::string ref;  // primary tag as pushed (after --registry rewriting)
  std::vector<std::string> tags;
  bool skipped = false;  // every tag already pointed at the digest
  bool failed = false;
  Digest digest;
};

struct PushReport {
  std::vector<PushedCell> cells;
  std::vector<CellFailure> failures;
  std::uint64_t cells_skipped = 0, manifests_put = 0;
  std::uint64_t blobs_existing = 0, blobs_mounted = 0, blobs_uploaded = 0, bytes_uploaded = 0;
  std::uint64_t requests_check = 0;  // manifest and blob HEADs of the check (RemoteCheck's included)
  double check_seconds = 0, publish_seconds = 0;
};

class RemoteCheck;  // push_check.h

struct PushOptions {
  int jobs = 4;             // cells in flight
  int check_jobs = 16;      // parallel HEADs of the up-to-date check
  bool keep_going = false;  // a failed cell does not stop the others
  ProgressMeter* progress = nullptr;
  // The check started before the build (push_check.h): its answers are
  // used instead of asking again.
  RemoteCheck* remote = nullptr;
};

// Fails only on errors that are not about one cell (none today); per-cell
// failures are in the report.
Result<PushReport> push_cells(layout::LayoutStore& from, const std::vector<CellResult>& cells,
                              registry::RegistryClient& client, const PushOptions& opts = {});

// Before any build work: can we push to every repository the cells name?
// One probe per repository (registry/client check_push), in parallel. Every
// repository that fails is named in the error, one per line. With `remote`
// (started on the same cells), its tag HEADs already proved the
// credentials (push scope): a tag HEAD that failed fails the preflight, and
// only the repositories the publish will likely write to are probed (a
// no-op rerun probes none; a push to another one finds out at its first
// upload, before its manifest).
Status preflight_push(const std::vector<matrix::Cell>& cells, registry::RegistryClient& client, int jobs = 8,
                      RemoteCheck* remote = nullptr);

// Checks that every tag of every cell points at the digest it would build,
// and that the registry holds every blob that manifest names (HEAD with the
// expected size, in parallel).
struct VerifyProblem {
  std::string ref, want, got;  // got "" = tag missing
  std::string blob;            // set when the tag is right but a blob is not: "sha256:.. missing"
};
Result<std::vector<VerifyProblem>> verify_cells(const std::vector<CellResult>& cells, registry::RegistryClient& client);

// The same check for tags and digests known without building (a results
// file of an earlier run, `dlimage verify --results`).
struct ExpectedTag {
  registry::Reference ref;  // as pushed
  Digest digest;
};
Result<std::vector<VerifyProblem>> verify_tags(const std::vector<ExpectedTag>& want, registry::RegistryClient& client);

// Runs fn(i) for i in [0, n) on up to `jobs` threads.
void parallel_for(size_t n, int jobs, const std::function<void(size_t)>& fn);

}  // namespace dl::pipeline
