#include "builder/pipeline/build.h"

#include "builder/pipeline/auto_index.h"

#include <cstdio>
#include <map>
#include <set>

#include "base/strings.h"
#include "base/verified.h"
#include "builder/apt/lock.h"
#include "builder/cpu/resolve.h"
#include "builder/matrix/matrix.h"
#include "builder/pipeline/pins.h"
#include "builder/pipeline/resolve_wheels.h"
#include "builder/wheel/lock.h"

namespace dl::pipeline {

namespace {
std::string mib(std::uint64_t b) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", double(b) / (1 << 20));
  return buf;
}
}  // namespace

std::string Phases::report() const {
  std::string out;
  double total = 0;
  for (auto& t : times_) total += t.seconds;
  for (auto& t : times_) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "  %-16s %8.3f s %5.1f%%\n", t.name.c_str(), t.seconds,
                  total > 0 ? 100 * t.seconds / total : 0.0);
    out += buf;
  }
  return out;
}

std::string DedupReport::str() const {
  char buf[256];
  std::snprintf(
      buf, sizeof buf, "%llu images: %s in total, %s stored (%.2fx dedup); one layer per image would store %s",
      (unsigned long long)images, mib(logical_bytes).c_str(), mib(unique_bytes).c_str(),
      unique_bytes ? double(logical_bytes) / double(unique_bytes) : 0.0, mib(one_layer_per_image_bytes).c_str());
  return buf;
}

DedupReport dedup_of(const std::vector<CellResult>& cells) {
  DedupReport d;
  std::map<std::string, std::uint64_t> unique, base_unique;
  for (auto& c : cells) {
    ++d.images;
    d.logical_bytes += c.size;
    std::uint64_t own = 0;
    for (auto& l : c.layers) {
      unique[l.descriptor.digest.str()] = std::uint64_t(l.descriptor.size);
      if (l.kind == "base")
        base_unique[l.descriptor.digest.str()] = std::uint64_t(l.descriptor.size);
      else
        own += std::uint64_t(l.descriptor.size);
    }
    std::uint64_t config = c.size;
    for (auto& l : c.layers) config -= std::uint64_t(l.descriptor.size);
    unique[c.manifest.digest.str() + "/config"] = config;
    d.one_layer_per_image_bytes += own + config;
  }
  for (auto& [_, s] : unique) d.unique_bytes += s;
  for (auto& [_, s] : base_unique) d.one_layer_per_image_bytes += s;
  return d;
}

std::string summary_table(const BuildReport& r, bool full_digests) {
  std::vector<std::vector<std::string>> rows = {{"IMAGE", "DIGEST", "SIZE", "LAYERS (new/reused/base)"}};
  for (auto& c : r.cells) {
    int fresh = 0, reused = 0, base = 0;
    for (auto& l : c.layers) (l.kind == "base" ? base : l.built ? fresh : reused)++;
    rows.push_back({join(c.cell.refs(), ", "),
                    full_digests ? c.manifest.digest.str() : c.manifest.digest.str().substr(0, 19), mib(c.size),
                    std::to_string(fresh) + "/" + std::to_string(reused) + "/" + std::to_string(base)});
  }
  std::vector<size_t> w(4, 0);
  for (auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i) w[i] = std::max(w[i], row[i].size());
  std::string out;
  for (auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i)
      out += row[i] + (i + 1 < row.size() ? std::string(w[i] - row[i].size() + 2, ' ') : "");
    out += "\n";
  }
  return out;
}

Result<matrix::Matrix> load_matrix(const BuildOptions& opts) {
  DL_ASSIGN_OR_RETURN(auto m, matrix::load(opts.matrix_file, matrix::Limits{opts.max_cells}));
  DL_TRY(cpu::check_matrix_isa(m));
  return m;
}

Result<std::vector<matrix::Cell>> select_cells(const BuildOptions& opts) {
  DL_ASSIGN_OR_RETURN(auto m, load_matrix(opts));
  DL_ASSIGN_OR_RETURN(auto filter, matrix::parse_filters(opts.filters));
  DL_ASSIGN_OR_RETURN(auto shard, matrix::parse_shard(opts.shard));
  return matrix::select(m, filter, shard);
}

namespace {

// The OS-package entries this run resolved go into the lock's "apt" object,
// merged under the lock's flock like the wheel entries; entries of images
// the matrix no longer has are pruned.
Status write_apt_lock(const BuildOptions& o, const apt::AptLockFile& resolved, const std::vector<matrix::Cell>& all) {
  if (o.lock_file.empty() || o.lock_read_only || resolved.empty()) return {};
  std::set<std::string> refs;
  for (const auto& c : all) refs.insert(c.ref());
  return wheel::update_lock(o.lock_file, [&](wheel::Lock& disk) -> Status {
    DL_ASSIGN_OR_RETURN(auto entries, apt::parse_apt_lock(disk.apt, o.lock_file));
    for (const auto& [ref, e] : resolved) entries[ref] = e;
    for (auto it = entries.begin(); it != entries.end();)
      it = refs.count(it->first) ? std::next(it) : entries.erase(it);
    disk.apt = apt::apt_lock_to_json(entries);
    return {};
  });
}

}  // namespace

Result<BuildReport> build(const BuildOptions& opts, registry::LazySession& registry, const Progress& progress) {
  BuildReport report;
  std::vector<matrix::Cell> cells, all;
  {
    auto t = report.phases.time("expand");
    DL_ASSIGN_OR_RETURN(auto m, load_matrix(opts));
    DL_ASSIGN_OR_RETURN(auto filter, matrix::parse_filters(opts.filters));
    DL_ASSIGN_OR_RETURN(auto shard, matrix::parse_shard(opts.shard));
    DL_ASSIGN_OR_RETURN(cells, matrix::select(m, filter, shard));
    all = m.cells;
  }
  DL_TRY(check_upgrade_bases(opts, all));
  DL_ASSIGN_OR_RETURN(auto ctx, BuildContext::create(opts, registry));
  // keep_going: a failed cell is recorded and left out of later phases.
  std::vector<char> failed(cells.size(), 0);
  auto fail = [&](size_t i, const char* phase, const Error& e) -> Status {
    if (!opts.keep_going) return e;
    failed[i] = 1;
    report.failures.push_back({cells[i].ref(), phase, e.message()});
    report.failed_cells.push_back(cells[i]);
    return {};
  };
  // One plan per cell, made once: every later phase reads it (cell_plan.h).
  std::vector<CellPlan> plans(cells.size());
  {
    auto t = report.phases.time("plan");
    for (size_t i = 0; i < cells.size(); ++i) {
      auto p = make_cell_plan(opts, cells[i]);
      if (!p.ok()) {
        DL_TRY(fail(i, "plan", p.error()));
        continue;
      }
      plans[i] = std::move(*p);
    }
  }
  {
    auto t = report.phases.time("resolve-wheels");
    if (progress) progress("resolve-wheels", 0, cells.size(), "");
    std::vector<const CellPlan*> planned;
    std::vector<size_t> index;  // into cells
    for (size_t i = 0; i < cells.size(); ++i)
      if (!failed[i]) planned.push_back(&plans[i]), index.push_back(i);
    DL_TRY(resolve_wheels(ctx->lock(), opts, planned, all,
                          [&](size_t i, const Error& e) { return fail(index[i], "resolve-wheels", e); }));
  }
  {
    auto t = report.phases.time("build-images");
    for (size_t i = 0; i < cells.size(); ++i) {
      if (failed[i]) continue;
      if (progress) progress("build-images", i, cells.size(), cells[i].ref());
      auto r = build_cell(*ctx, plans[i]);
      if (!r.ok()) {
        DL_TRY(fail(i, "build-images", r.error()));
        continue;
      }
      for (auto& py : cells[i].pythons)
        if (auto e = ctx->lock().environments.find(wheel::lock_key(cells[i].ref(), py));
            e != ctx->lock().environments.end())
          for (auto& w : e->second.wheels) r->wheels.push_back(w.name + " " + w.version + " (python" + py + ")");
      report.cells.push_back(std::move(*r));
    }
    if (progress) progress("build-images", cells.size(), cells.size(), "");
  }
  DL_TRY(write_apt_lock(opts, ctx->apt_resolved(), all));
  DL_TRY(write_pins(opts, ctx->pinned(), all));
  // Only slower if it fails: the next build hashes again.
  (void)save_verified(ctx->verified_file());
  {
    auto t = report.phases.time("auto-index");
    DL_ASSIGN_OR_RETURN(auto autos, build_auto_indexes(*ctx, report.cells, report.notes));
    report.cells.insert(report.cells.end(), autos.begin(), autos.end());
  }
  report.dedup = dedup_of(report.cells);
  return report;
}

}  // namespace dl::pipeline
