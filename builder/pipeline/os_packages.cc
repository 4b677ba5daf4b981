#include "builder/pipeline/os_packages.h"

#include <algorithm>

#include "base/sha256.h"
#include "base/strings.h"
#include "builder/apt/status.h"
#include "builder/pipeline/tree_scan.h"

namespace dl::pipeline {

namespace {

// What makes two source lists fetch the same indexes.
std::string sources_key(const std::vector<apt::Source>& sources, const std::string& arch) {
  std::string k = arch;
  for (const auto& s : sources)
    k += "\n" + join(s.uris, " ") + "|" + join(s.suites, " ") + "|" + join(s.components, " ") + "|" +
         join(s.architectures, " ") + "|" + s.signed_by_file + "|" + Sha256::hex(s.signed_by_key);
  return k;
}

std::string layers_key(const std::vector<image::Descriptor>& layers) {
  std::string chain;
  for (const auto& l : layers) chain += l.digest.str() + ";";
  return Sha256::hex(chain);
}

}  // namespace

Result<std::vector<apt::RepoIndex>> BuildContext::apt_indexes(const std::vector<apt::Source>& sources,
                                                              const std::string& arch) {
  std::string key = sources_key(sources, arch);
  if (auto it = apt_indexes_.find(key); it != apt_indexes_.end()) return it->second;
  apt::FetchOptions fo;
  fo.cache_dir = cache().dir().string();
  fo.arch = arch;
  fo.verifier = opts_.apt_verifier;
  DL_ASSIGN_OR_RETURN(auto repos, apt::fetch_indexes(sources, fo, *http_));
  apt_indexes_[key] = repos;
  return repos;
}

Result<OsPackages> plan_os_packages(BuildContext& ctx, const matrix::Cell& cell, const recipe::Recipe& rec,
                                    const std::vector<image::Descriptor>& base_layers) {
  OsPackages out;
  const bool scratch = cell.base.scratch();
  if (rec.apt.packages.empty() && !scratch) return out;
  auto where = [&](const Error& e) { return e.wrap(cell.ref()); };
  auto base = scan_layers(ctx.out(), base_layers);
  if (!base.ok()) return where(base.error().wrap("base " + cell.base.ref));
  auto expanded = apt::expand_source_files(rec.apt.sources);
  if (!expanded.ok()) return where(expanded.error());
  std::vector<apt::Source> sources = std::move(expanded).value();
  if (sources.empty()) {
    // The machine's apt configuration, as `dlimage deb` commands use it.
    auto system = apt::load_system_sources(ctx.options().etc_apt);
    if (!system.ok()) return where(system.error().wrap("apt sources (none in the matrix or recipe)"));
    sources = std::move(system).value();
  }
  auto installed = apt::parse_status((*base)->status_text, "base " + cell.base.ref + ": /var/lib/dpkg/status");
  if (!installed.ok()) return where(installed.error());
  // The lock answers when the request, the sources and the base are what it
  // was resolved for: no index is fetched, the .debs come by sha256.
  auto inputs = apt::lock_inputs(sources, rec.apt.packages, cell.base.arch,
                                 base_layers.empty() ? "" : layers_key(base_layers), scratch, rec.apt.recommends);
  auto locked = ctx.apt_locked().find(cell.ref());
  if (locked != ctx.apt_locked().end() && locked->second.inputs == inputs && !ctx.options().upgrade) {
    out.packages = apt::locked_packages(locked->second.lock);
    out.lock = locked->second.lock;
  } else {
    auto repos = ctx.apt_indexes(sources, cell.base.arch);
    if (!repos.ok()) return where(repos.error());
    apt::ResolveRequest req;
    req.packages = rec.apt.packages;
    req.arch = cell.base.arch;
    req.recommends = rec.apt.recommends;
    req.essential = scratch;
    auto resolved = apt::resolve(*repos, *installed, req);
    if (!resolved.ok()) return where(resolved.error());
    out.packages = std::move(resolved).value();
    out.lock = apt::make_lock(*repos, out.packages);
    ctx.apt_resolved()[cell.ref()] = {inputs, out.lock};
    // The in-memory lock answers for this image from now on (provenance
    // labels fingerprint it); the file is written after the build.
    auto entries = apt::parse_apt_lock(ctx.lock().apt, "lock");
    if (!entries.ok()) return where(entries.error());
    (*entries)[cell.ref()] = {inputs, out.lock};
    ctx.lock().apt = apt::apt_lock_to_json(*entries);
  }
  if (out.packages.empty()) return out;

  auto in = std::make_shared<DebInstall>();
  in->base = *base;
  in->base_key = layers_key(base_layers);
  for (const auto& p : out.packages) {
    auto file = ctx.cache().fetch(p.url, p.sha256);
    if (!file.ok()) return where(file.error());
    if (file->size != p.size)
      return where(Error(ErrorKind::integrity, p.url + ": " + std::to_string(file->size) + " bytes; the index says " +
                                                   std::to_string(p.size)));
    in->debs.push_back({file->path, p.url});
    in->sha256s.push_back(p.sha256);
  }
  in->options.allow_scripts = {rec.apt_allow_scripts.begin(), rec.apt_allow_scripts.end()};
  in->options.source_date_epoch = ctx.options().source_date_epoch;
  std::vector<std::string> names;
  for (const auto& p : out.packages) names.push_back(p.name);
  in->options.merged_usr = deb::wants_merged_usr(names) && !(*base)->tree.exists("bin");
  // Refused scripts and unreadable .debs fail here, before any layer is opened.
  auto acknowledged = deb::preflight_debs(in->debs, in->options);
  if (!acknowledged.ok()) return where(acknowledged.error());
  out.acknowledged_scripts = std::move(acknowledged).value();
  OsPackagesLayer layer{std::move(in), "dlimage: " + std::to_string(out.packages.size()) + " OS packages (" +
                                           (scratch ? "Essential + " : "") + std::to_string(rec.apt.packages.size()) +
                                           " requested)"};
  out.plan = LayerPlan{std::move(layer)};
  return out;
}

}  // namespace dl::pipeline
