// The build half of the release driver (release.h): a straight list of
// named, timed phases: expand -> plan (one CellPlan per cell, cell_plan.h)
// -> resolve wheels -> build layers and images -> auto indexes. Pushing
// lives in push.h, so a build without a registry needs none.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/result.h"
#include "builder/pipeline/cell_builder.h"
#include "builder/pipeline/options.h"
#include "builder/pipeline/phases.h"
#include "registry/session/session.h"

namespace dl::pipeline {

// How much the layering saves across the images of one build.
struct DedupReport {
  std::uint64_t images = 0;
  std::uint64_t logical_bytes = 0;  // sum over images of config + layer sizes
  std::uint64_t unique_bytes = 0;   // each distinct blob counted once
  // What one layer per image on top of the shared base would store: the base
  // blobs once, plus every image's own content unshared.
  std::uint64_t one_layer_per_image_bytes = 0;
  std::string str() const;
};

// One thing that went wrong, with its cause, for the summary, --json and
// --report (build and push failures alike).
struct CellFailure {
  std::string cell;   // cell reference (primary tag)
  std::string phase;  // "plan", "resolve-wheels", "build-images", "check", "push"
  std::string error;
};

struct BuildReport {
  std::vector<CellResult> cells;           // the cells that built
  std::vector<CellFailure> failures;       // with keep_going: the cells that did not
  std::vector<matrix::Cell> failed_cells;  // their definitions, for the report's grid
  DedupReport dedup;
  Phases phases;
  std::vector<std::string> notes;  // worth a line in the summary (an auto tag not written, and why)
};

using Progress = std::function<void(const std::string& phase, size_t done, size_t total, const std::string& what)>;

// With opts.keep_going a cell that fails is recorded in failures and the
// others go on; otherwise the first failure is the error.
// Registry base pulls go through `registry` (opened only if one is needed).
Result<BuildReport> build(const BuildOptions& opts, registry::LazySession& registry, const Progress& progress = {});

// The cells a build with these options would build (expand, filter, shard),
// without building anything: the preflight needs their repositories.
// The matrix with every bound applied (--max-cells) and its isa: features
// checked against the CPU data: the one way the pipeline reads a matrix.
Result<matrix::Matrix> load_matrix(const BuildOptions& opts);
Result<std::vector<matrix::Cell>> select_cells(const BuildOptions& opts);

DedupReport dedup_of(const std::vector<CellResult>& cells);

// Human summary: one row per image (tags, digest, size, shared/new layers).
// Digests are cut to 12 hex digits, as `docker images` does, unless
// full_digests (--no-trunc).
std::string summary_table(const BuildReport& r, bool full_digests = false);

}  // namespace dl::pipeline
