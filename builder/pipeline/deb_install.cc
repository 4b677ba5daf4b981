#include "builder/pipeline/deb_install.h"

#include <algorithm>

#include "base/strings.h"
#include "builder/apt/status.h"
#include "builder/deb/dpkg_db.h"
#include "builder/layout/layout_store.h"
#include "builder/layout/store_image.h"
#include "builder/pipeline/tree_scan.h"
#include "builder/wheel/cache.h"
#include "net/http.h"

namespace dl::pipeline {

Result<std::shared_ptr<const deb::BaseTree>> scan_image(const std::string& oci_ref) {
  auto ref = layout::parse_layout_ref(oci_ref);
  if (!ref.ok()) return invalid("base '" + oci_ref + "': expected oci:DIR:REF");
  auto l = layout::Layout::open(ref->dir);
  if (!l.ok()) return l.error().wrap("base " + oci_ref);
  layout::LayoutStore store(*l);
  auto img = layout::read_image(store, ref->ref_name);
  if (!img.ok()) return img.error().wrap("base " + oci_ref);
  return scan_layers(store.layout(), img->manifest.layers);
}

Result<deb::BaseTree> scan_directory(const std::string& root) {
  deb::BaseTree b;
  fs::path dpkg = fs::path(root) / deb::kDpkgDir;
  if (fs::exists(dpkg / "status")) {
    DL_ASSIGN_OR_RETURN(b.status_text, read_file(dpkg / "status"));
    DL_ASSIGN_OR_RETURN(b.status, deb::parse_deb822(b.status_text, (dpkg / "status").string()));
  }
  for (const char* sub : {"triggers", "alternatives"}) {
    std::error_code ec;
    for (fs::directory_iterator it(dpkg / sub, ec), end; !ec && it != end; it.increment(ec)) {
      if (!it->is_regular_file()) continue;
      DL_ASSIGN_OR_RETURN(auto text, read_file(it->path()));
      b.dpkg_files[std::string(deb::kDpkgDir) + "/" + sub + "/" + it->path().filename().string()] = text;
    }
  }
  // info/: the file lists (an upgrade removes what the old version listed
  // and the new one does not) and the names of every info file.
  std::error_code ec;
  for (fs::directory_iterator it(dpkg / "info", ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    std::string rel = std::string(deb::kDpkgDir) + "/info/" + it->path().filename().string();
    b.tree.put(rel, deb::Node{});
    if (!rel.ends_with(".list")) continue;
    DL_ASSIGN_OR_RETURN(b.dpkg_files[rel], read_file(it->path()));
  }
  return b;
}

Result<DirInstallResult> install_into_directory(const DirInstallRequest& req) {
  DL_TRY(ensure_dir(req.root));
  DL_ASSIGN_OR_RETURN(deb::BaseTree base, scan_directory(req.root));
  DirInstallResult out;
  std::vector<deb::DebPackage> debs;
  if (!req.resolve.packages.empty() || req.resolve.essential) {
    net::HttpClient http;
    DL_ASSIGN_OR_RETURN(auto repos, apt::fetch_indexes(req.sources, req.fetch, http));
    DL_ASSIGN_OR_RETURN(auto installed, apt::parse_status(base.status_text, req.root + "/var/lib/dpkg/status"));
    DL_ASSIGN_OR_RETURN(out.resolved, apt::resolve(repos, installed, req.resolve));
    // The download cache wheels and artifacts share: <cache>/sha256/<hex>.
    wheel::WheelCache cache(req.fetch.cache_dir);
    for (const auto& p : out.resolved) {
      DL_ASSIGN_OR_RETURN(auto file, cache.fetch(p.url, p.sha256));
      debs.push_back({file.path, p.url});
    }
  }
  for (const auto& f : req.deb_files) debs.push_back({f, f});
  deb::DirTreeSink sink(req.root, req.source_date_epoch);
  base.tree.set_fallback(sink.fallback());
  deb::InstallOptions opts;
  opts.allow_scripts = {req.allow_scripts.begin(), req.allow_scripts.end()};
  opts.source_date_epoch = req.source_date_epoch;
  std::vector<std::string> names;
  for (const auto& p : out.resolved) names.push_back(p.name);
  opts.merged_usr = deb::wants_merged_usr(names) && !base.tree.exists("bin");
  DL_ASSIGN_OR_RETURN(out.report, deb::install_debs(debs, std::move(base), opts, sink));
  DL_TRY(sink.finish());
  return out;
}

}  // namespace dl::pipeline
