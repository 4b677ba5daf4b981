#include "builder/pipeline/plan.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <memory>

#include "base/plural.h"
#include "base/strings.h"
#include "builder/image/descriptor.h"
#include "builder/layout/layout.h"
#include "builder/layout/layout_store.h"
#include "builder/pipeline/build.h"
#include "builder/pipeline/cell_builder.h"
#include "builder/pipeline/cell_plan.h"
#include "builder/pipeline/changes.h"
#include "builder/pipeline/pins.h"
#include "builder/pipeline/provenance.h"
#include "builder/pipeline/published.h"
#include "builder/pipeline/push.h"
#include "builder/wheel/lock.h"

namespace dl::pipeline {

namespace {

constexpr int kPlanJobs = 16;  // tags asked at once

// What the registry holds under a cell's tag (after --registry rewriting).
struct Asked {
  std::string ref;
  Result<std::optional<PublishedImage>> published = std::optional<PublishedImage>();
};

Result<PlannedCell> plan_cell(const BuildOptions& o, const CellPlan& plan, const wheel::Lock& lock, BaseDigests& bases,
                              const Asked& asked) {
  const matrix::Cell& c = plan.cell;
  PlannedCell p;
  p.ref = asked.ref;
  if (!asked.published.ok()) return asked.published.error();
  const auto& published = *asked.published;
  if (!published) {
    p.reasons.push_back(kNotPublished);
    return p;
  }
  p.published = published->digest.str();
  RecordedInputs then = inputs_of(published->labels);
  if (!then.recorded()) {
    p.reasons.push_back("no provenance labels (built before dlimage recorded its inputs)");
    return p;
  }
  // The base the build would use: the lock's pin when it has one (a moved
  // base fails the build, and the plan says so), else what it names now.
  std::string base_now;
  std::string moved;
  if (!c.base.scratch()) {
    DL_ASSIGN_OR_RETURN(auto found, bases.of(c.base.ref));
    base_now = found.digest;
    if (auto pin = lock.bases.find(c.base.ref); pin != lock.bases.end()) {
      base_now = pin->second.digest;
      if (auto st = check_base_pin(lock, o, c.base.ref, found.digest, found.where); !st.ok())
        moved = "the build would fail: " + st.error().message();
    }
  }
  // No wheels: the lock has nothing for this cell, and nothing to compare.
  std::string lock_now = plan.recipe.wheels.empty() ? "" : lock_fingerprint(lock, c.ref(), c.pythons).label();
  // Scratch records no base name: "" on both sides.
  std::string base_ref = c.base.scratch() ? "" : c.base.ref;
  p.reasons = input_changes(then, {base_ref, base_now, lock_now, plan.recipe_digest}, c.recipe);
  size_t after_base = then.base_ref != base_ref || then.base_digest != base_now ? 1 : 0;
  if (!plan.recipe.wheels.empty() && lock_now.empty())
    p.reasons.insert(p.reasons.begin() + long(after_base),
                     "not in the lock (" + (o.lock_file.empty() ? std::string("no --lock") : o.lock_file) +
                         "): wheels would be resolved");
  if (!moved.empty()) p.reasons.insert(p.reasons.begin(), moved);
  return p;
}

}  // namespace

size_t PlanReport::to_build() const {
  size_t n = 0;
  for (auto& c : cells) n += !c.up_to_date();
  return n;
}

Result<PlanReport> plan_release(const BuildOptions& opts, registry::LazySession& session) {
  DL_ASSIGN_OR_RETURN(auto cells, select_cells(opts));
  wheel::Lock lock;
  if (!opts.lock_file.empty()) {
    DL_ASSIGN_OR_RETURN(lock, wheel::load_lock(opts.lock_file));
  }
  // Every recipe first: a typo is reported before anything asks a registry.
  std::vector<CellPlan> plans;
  for (auto& c : cells) {
    DL_ASSIGN_OR_RETURN(auto p, make_cell_plan(opts, c));
    plans.push_back(std::move(p));
  }
  DL_ASSIGN_OR_RETURN(registry::Session * s, session.get());
  // Every tag at once: over a long link the plan costs a few round trips,
  // not a few per image.
  std::vector<Asked> asked(plans.size());
  std::vector<registry::Reference> refs;
  for (auto& plan : plans) {
    DL_ASSIGN_OR_RETURN(auto ref, registry::parse_reference(plan.cell.ref()));
    refs.push_back(s->hosts().for_push(ref));
  }
  parallel_for(plans.size(), kPlanJobs, [&](size_t i) {
    asked[i].ref = refs[i].str();
    asked[i].published = published_image(s->client(), refs[i]);
  });
  BaseDigests bases(opts, session);
  PlanReport r;
  for (size_t i = 0; i < plans.size(); ++i) {
    DL_ASSIGN_OR_RETURN(auto p, plan_cell(opts, plans[i], lock, bases, asked[i]));
    r.cells.push_back(std::move(p));
  }
  return r;
}

std::string format_plan(const PlanReport& p) {
  std::string out;
  for (auto& c : p.cells)
    out += (c.up_to_date() ? "  up to date  " : "  build+push  ") + c.ref +
           (c.up_to_date() ? "" : ": " + join(c.reasons, "; ")) + "\n";
  out += std::to_string(p.to_build()) + " of " + count_of(p.cells.size(), "image") +
         " would be built and pushed; nothing was built\n";
  return out;
}

std::string plan_json(const PlanReport& p) {
  nlohmann::ordered_json j{{"schema", 1}, {"kind", "dlimage.plan"}, {"images", nlohmann::ordered_json::array()}};
  for (auto& c : p.cells)
    j["images"].push_back({{"ref", c.ref},
                           {"action", c.up_to_date() ? "none" : "build+push"},
                           {"published", c.published},
                           {"reasons", c.reasons}});
  j["to_build"] = p.to_build();
  return j.dump(2) + "\n";
}

}  // namespace dl::pipeline
