#include "builder/pipeline/resolve_wheels.h"
#include "builder/pipeline/build.h"
#include "builder/pipeline/pins.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>

#include "base/strings.h"
#include "builder/pypa/name.h"
#include "builder/pypa/requirement.h"
#include "builder/resolve/resolver.h"
#include "registry/session/session.h"

namespace dl::pipeline {

namespace fs = std::filesystem;

namespace {

// --wheels DIR (and its subdirectories as variant labels), then --index URLs.
Result<std::vector<resolve::SourceSpec>> fixed_sources(const BuildOptions& o) {
  std::vector<resolve::SourceSpec> out;
  for (auto& dir : o.wheel_dirs) {
    if (!fs::is_directory(dir)) return invalid("--wheels " + dir + ": not a directory; expected a wheelhouse");
    out.push_back({dir, "", {}});
    std::vector<fs::path> subdirs;
    for (auto& e : fs::directory_iterator(dir))
      if (e.is_directory()) subdirs.push_back(e.path());
    std::sort(subdirs.begin(), subdirs.end());
    for (auto& s : subdirs) out.push_back({s.string(), s.filename().string(), {}});
  }
  // --index URL, or LABEL=URL for an index of one build variant.
  for (auto& text : o.index_urls) {
    size_t eq = text.find("=http");
    if (eq != std::string::npos && text.find("://") > eq)
      out.push_back({text.substr(eq + 1), text.substr(0, eq), {}});
    else
      out.push_back({text, "", {}});
  }
  return out;
}

std::vector<wheel::WheelLink> catalog_links(const recipe::Recipe& r) {
  std::vector<wheel::WheelLink> out;
  for (auto& e : r.catalog) {
    wheel::WheelLink l;
    l.filename = e.url.substr(e.url.rfind('/') + 1);
    l.url = e.url;
    l.sha256 = e.sha256;
    l.variant = e.variant;
    l.python = e.python;
    l.source = "catalog of " + r.path;
    out.push_back(std::move(l));
  }
  return out;
}

// One Index per distinct recipe catalog (most recipes share none), so each
// project page and each wheel's metadata is fetched once per run.
class Indexes {
 public:
  Indexes(std::vector<resolve::SourceSpec> fixed, std::string cache, net::TransportOptions transport)
      : fixed_(std::move(fixed)), cache_(std::move(cache)), transport_(std::move(transport)) {}
  Result<resolve::Index*> for_catalog(const std::vector<wheel::WheelLink>& catalog) {
    std::string key;
    for (auto& l : catalog) key += l.url + "\n";
    auto& slot = by_catalog_[key];
    if (!slot) {
      auto sources = fixed_;
      if (!catalog.empty()) sources.push_back({"", "", catalog});
      DL_ASSIGN_OR_RETURN(slot, resolve::Index::open(sources, cache_, transport_));
    }
    return slot.get();
  }

 private:
  std::vector<resolve::SourceSpec> fixed_;
  std::string cache_;
  net::TransportOptions transport_;
  std::map<std::string, std::unique_ptr<resolve::Index>> by_catalog_;

 public:
  std::string stats() const {
    std::string s;
    for (auto& [_, i] : by_catalog_) s += (s.empty() ? "" : "; ") + i->stats().str();
    return s;
  }
  size_t max_fetches_per_wheel() const {
    size_t m = 0;
    for (auto& [_, i] : by_catalog_)
      for (auto& [u, n] : i->stats().per_wheel) m = std::max(m, n);
    return m;
  }
};

struct Inputs {
  wheel::LockedEnvironment env;  // without wheels
  resolve::Environment target;
};

// The lock entry's inputs and the resolver's target, from the plan: the
// environment parsed once, plus the recipe's per-project variant labels.
Inputs inputs_for(const CellPlan& plan, const PythonTarget& py) {
  Inputs in;
  in.target = py.env;
  std::vector<std::string> labels;
  for (size_t i = 0; i < plan.recipe.wheels.size(); ++i) {
    const auto& spec = plan.recipe.wheels[i];
    in.env.requirements.push_back(spec.requirement);
    if (!spec.variant.empty()) {
      auto name = plan.requirements[i].normalized_name();
      in.target.project_variants[name] = spec.variant;
      labels.push_back(name + "=" + spec.variant);
    }
  }
  std::sort(labels.begin(), labels.end());
  labels.erase(std::unique(labels.begin(), labels.end()), labels.end());
  auto& pl = plan.cell.python_layout(py.version);
  in.env.cell = plan.cell.ref();
  in.env.python = py.version;
  in.env.abi = pl.abi;
  in.env.glibc = plan.cell.base.glibc;
  in.env.variant = join(labels, ",");
  return in;
}

Result<wheel::LockedEnvironment> resolve_one(resolve::Index& index, const Inputs& in,
                                             const wheel::LockedEnvironment* old, const BuildOptions& o) {
  resolve::ResolveOptions ro;
  if (old && !o.upgrade)
    for (auto& w : old->wheels) ro.preferred[pypa::normalize_name(w.name)] = w.version;
  for (auto& p : o.upgrade_packages) ro.preferred.erase(pypa::normalize_name(p));
  DL_ASSIGN_OR_RETURN(auto r, resolve::resolve(index, in.target, in.env.requirements, ro));
  wheel::LockedEnvironment env = in.env;
  for (auto& p : r.pins) {
    DL_ASSIGN_OR_RETURN(auto ds, index.digest_and_size(p.file));
    env.wheels.push_back(
        {p.name, p.version, p.file.filename, wheel::lock_url(p.file.url), ds.first, ds.second, p.requires_});
  }
  return env;
}

}  // namespace

std::vector<std::string> lock_keys(const matrix::Cell& cell) {
  std::vector<std::string> out;
  for (auto& py : cell.pythons) out.push_back(wheel::lock_key(cell.ref(), py));
  return out;
}

Result<LockReport> resolve_wheels(wheel::Lock& lock, const BuildOptions& o, const std::vector<const CellPlan*>& plans,
                                  const std::vector<matrix::Cell>& all, const CellErrorHandler& on_error) {
  LockReport rep;
  std::string cache = o.cache_dir.empty() ? wheel::default_cache_dir() : o.cache_dir;
  DL_ASSIGN_OR_RETURN(auto fixed, fixed_sources(o));
  Indexes indexes(std::move(fixed), cache, registry::transport_options(o.registry));
  const wheel::Lock before = lock;
  for (size_t ci = 0; ci < plans.size(); ++ci) {
    const CellPlan& plan = *plans[ci];
    auto cell_failed = [&](const Error& e) -> Status { return on_error ? on_error(ci, e) : Status(e); };
    auto catalog = o.use_catalog ? catalog_links(plan.recipe) : std::vector<wheel::WheelLink>{};
    for (auto& py : plan.pythons) {
      auto in = inputs_for(plan, py);
      auto it = before.environments.find(py.lock_key);
      const wheel::LockedEnvironment* old = it == before.environments.end() ? nullptr : &it->second;
      bool upgrading = o.upgrade || !o.upgrade_packages.empty();
      if (old && old->same_inputs(in.env) && !upgrading) {
        ++rep.kept;
        continue;
      }
      DL_ASSIGN_OR_RETURN(auto* index, indexes.for_catalog(catalog));
      auto env = resolve_one(*index, in, old, o);
      if (!env.ok()) {
        DL_TRY(cell_failed(env.error().wrap(plan.cell.ref() + " (Python " + py.version + ")")));
        break;
      }
      ++rep.resolved;
      lock.environments[py.lock_key] = std::move(*env);
    }
  }
  if (!all.empty()) {
    std::set<std::string> valid;
    for (auto& c : all)
      for (auto& k : lock_keys(c)) valid.insert(k);
    for (auto it = lock.environments.begin(); it != lock.environments.end();)
      if (!valid.count(it->first)) {
        it = lock.environments.erase(it);
        ++rep.pruned;
      } else {
        ++it;
      }
  }
  rep.fetch_stats = indexes.stats();
  rep.max_fetches_per_wheel = indexes.max_fetches_per_wheel();
  rep.changed = wheel::affected_cells(before, lock);
  if (o.lock_file.empty() || o.lock_read_only || (rep.changed.empty() && fs::exists(o.lock_file))) return rep;
  // Merge into what is on disk now: another writer may have added entries.
  std::set<std::string> pruned;
  for (auto& [k, _] : before.environments)
    if (!lock.environments.count(k)) pruned.insert(k);
  DL_TRY(wheel::update_lock(o.lock_file, [&](wheel::Lock& disk) -> Status {
    for (auto& k : rep.changed)
      if (auto e = lock.environments.find(k); e != lock.environments.end()) disk.environments[k] = e->second;
    for (auto& k : pruned) disk.environments.erase(k);
    lock.apt = disk.apt;
    return {};
  }));
  rep.written = true;
  return rep;
}

Result<LockReport> lock_only(const BuildOptions& opts, registry::LazySession& registry) {
  DL_ASSIGN_OR_RETURN(auto m, load_matrix(opts));
  DL_ASSIGN_OR_RETURN(auto filter, matrix::parse_filters(opts.filters));
  DL_ASSIGN_OR_RETURN(auto shard, matrix::parse_shard(opts.shard));
  DL_ASSIGN_OR_RETURN(auto cells, matrix::select(m, filter, shard));
  DL_TRY(check_upgrade_bases(opts, m.cells));
  DL_ASSIGN_OR_RETURN(auto lock, wheel::load_lock(opts.lock_file));
  std::vector<CellPlan> plans;
  for (auto& c : cells) {
    DL_ASSIGN_OR_RETURN(auto p, make_cell_plan(opts, c));
    plans.push_back(std::move(p));
  }
  std::vector<const CellPlan*> ptrs;
  for (auto& p : plans) ptrs.push_back(&p);
  DL_ASSIGN_OR_RETURN(auto rep, resolve_wheels(lock, opts, ptrs, m.cells));
  // Bases and remote artifacts: what the wheels' lock entries are to them.
  Pins fresh, changed;
  BaseDigests bases(opts, registry);
  DL_ASSIGN_OR_RETURN(auto repinned, pin_bases(lock, opts, cells, bases));
  for (auto& ref : repinned) changed.bases[ref] = lock.bases[ref];
  net::HttpClient http(registry::transport_options(opts.registry));
  wheel::WheelCache cache(opts.cache_dir.empty() ? wheel::default_cache_dir() : opts.cache_dir, &http);
  cache.add_origin_credentials(opts.artifacts);  // scoped to its host:port, as in a build
  for (auto& p : plans) {
    DL_ASSIGN_OR_RETURN(auto fetched, fetch_artifacts(p.cell, p.recipe, opts, cache));
    fresh.artifacts[p.cell.ref()] = locked_artifacts(fetched);
  }
  merge_pins(lock, fresh, &changed);
  for (auto& [ref, _] : changed.bases) rep.pinned.push_back("base " + ref);
  for (auto& [ref, _] : changed.artifacts) rep.pinned.push_back("artifacts " + ref);
  DL_ASSIGN_OR_RETURN(bool wrote, write_pins(opts, changed, m.cells));
  rep.written = rep.written || wrote;
  return rep;
}

std::set<std::string> shared_closure(const wheel::LockedEnvironment& env, const std::set<std::string>& roots) {
  std::map<std::string, const wheel::LockedWheel*> by_name;
  for (auto& w : env.wheels) by_name[pypa::normalize_name(w.name)] = &w;
  std::set<std::string> out;
  std::vector<std::string> todo(roots.begin(), roots.end());
  while (!todo.empty()) {
    std::string n = todo.back();
    todo.pop_back();
    auto it = by_name.find(n);
    if (it == by_name.end() || !out.insert(n).second) continue;
    for (auto& d : it->second->requires_) todo.push_back(d);
  }
  return out;
}

}  // namespace dl::pipeline
