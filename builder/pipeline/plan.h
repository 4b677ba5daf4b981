// `dlimage plan`: what a `build --push` would build and push, and why,
// decided against the registry without building anything. For each
// selected cell the published primary tag's config labels are compared with
// what the cell would be built from now:
//   not published        the tag does not exist
//   no provenance        it was not built by a dlimage that records inputs
//   base digest changed  org.opencontainers.image.base.digest vs the base
//                        now (--base layouts first, else the registry)
//   lock changed         io.qingcloud.dlimage.lock.digest vs the cell's
//                        entries in --lock (or: not in the lock)
//   recipe changed       io.qingcloud.dlimage.recipe.digest vs the recipe
//                        rendered for the cell now
// A cell with no reason is up to date: the push would only HEAD its tags.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "builder/pipeline/options.h"
#include "registry/session/session.h"

namespace dl::pipeline {

struct PlannedCell {
  std::string ref;                   // primary tag as it would be pushed
  std::string published;             // digest the tag names now ("" = none)
  std::vector<std::string> reasons;  // empty: up to date
  bool up_to_date() const { return reasons.empty(); }
};

struct PlanReport {
  std::vector<PlannedCell> cells;
  size_t to_build() const;
};

Result<PlanReport> plan_release(const BuildOptions& opts, registry::LazySession& session);

std::string format_plan(const PlanReport& p);  // one line per cell, then a count
std::string plan_json(const PlanReport& p);    // schema 1, kind dlimage.plan

}  // namespace dl::pipeline
