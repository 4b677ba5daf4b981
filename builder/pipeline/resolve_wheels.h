// The "resolve wheels" phase: for every planned cell (cell_plan.h) and each
// of its Pythons, the recipe's top-level requirements are resolved for that
// cell's environment (the plan's typed target: Python version and ABI from
// the base, glibc, markers; plus the wheel entries' variant labels) into the
// lock. A lock entry whose
// environment and requirements are unchanged is kept as is (no index is
// consulted); a changed one is re-resolved preferring its locked versions,
// so the diff stays minimal. `dlimage lock` runs this phase alone.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"
#include "builder/matrix/matrix.h"
#include "builder/pipeline/cell_plan.h"
#include "builder/pipeline/options.h"
#include "builder/wheel/lock.h"
#include "registry/session/session.h"

namespace dl::pipeline {

struct LockReport {
  size_t kept = 0, resolved = 0, pruned = 0;
  std::set<std::string> changed;    // environment keys whose entry changed
  std::vector<std::string> pinned;  // "base REF" and "artifacts REF" whose lock entry changed
  bool written = false;
  std::string fetch_stats;           // index pages and metadata fetched, per source set
  size_t max_fetches_per_wheel = 0;  // metadata fetches of the most fetched wheel (1 = none twice)
};

// Resolves the environments of `plans` into `lock`; with `all` (every cell
// of the matrix) given, entries of cells that no longer exist are pruned.
// Writes opts.lock_file (merging under its flock) unless it is read-only.
// `on_error`, when given, hears a cell's failure (by index into `plans`);
// returning ok skips that cell and goes on (build --keep-going).
using CellErrorHandler = std::function<Status(size_t cell, const Error& e)>;
Result<LockReport> resolve_wheels(wheel::Lock& lock, const BuildOptions& opts,
                                  const std::vector<const CellPlan*>& plans, const std::vector<matrix::Cell>& all,
                                  const CellErrorHandler& on_error = {});

// `dlimage lock`: expand, resolve, pin the bases and remote artifacts
// (pins.h; bases looked up in --base layouts, else through `registry`),
// write; nothing is built.
Result<LockReport> lock_only(const BuildOptions& opts, registry::LazySession& registry);

// The lock keys of a cell: one per Python.
std::vector<std::string> lock_keys(const matrix::Cell& cell);

// Names (normalised) of the locked wheels reachable from `roots` through
// their dependencies: what goes into the layer shared across images.
std::set<std::string> shared_closure(const wheel::LockedEnvironment& env, const std::set<std::string>& roots);

}  // namespace dl::pipeline
