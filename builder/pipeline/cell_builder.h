// Builds one planned cell (cell_plan.h) into a layout: base image (copied
// unchanged; none for `scratch`) -> OS-package layer -> shared wheel layer
// -> framework wheel layer -> artifact layers -> file layer, ordered from
// most to least widely shared, then config + manifest. plan_layers() adds
// the layer plans to the cell's plan; assembling reads only the plan.
// Layers are cached by input key in the layout, so a cell whose inputs did
// not change is re-assembled without re-compressing anything.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "builder/apt/fetch.h"
#include "builder/apt/lock.h"
#include "builder/attest/sbom.h"
#include "builder/image/descriptor.h"
#include "builder/layout/layout_store.h"
#include "builder/layout/store_image.h"
#include "builder/matrix/matrix.h"
#include "builder/pipeline/cell_plan.h"
#include "builder/pipeline/options.h"
#include "builder/pipeline/pins.h"
#include "builder/recipe/recipe.h"
#include "builder/wheel/cache.h"
#include "builder/wheel/lock.h"
#include "builder/wheel/source.h"
#include "builder/wheel/wheel_archive.h"
#include "registry/session/session.h"

namespace dl::pipeline {

struct LayerReport {
  image::Descriptor descriptor;
  std::string kind;    // "base", "wheels:shared", ...
  bool built = false;  // false: cache hit or base layer
  std::string diff_id;
  std::uint64_t uncompressed_size = 0;  // the tar's size; 0 = not known (a base layer; the report counts it)
};

struct CellResult {
  matrix::Cell cell;
  image::Descriptor manifest;  // what the tags point at: the image, or its attestation index
  image::Descriptor image;     // the image manifest itself
  // OCI referrers of `image` (SBOM, provenance), listed by the layout's
  // referrers tag sha256-<hex of image> (builder/attest/attach.h).
  std::vector<image::Descriptor> referrers;
  bool auto_index = false;  // an `auto` tag's index over other cells' images (auto_index.h)
  std::vector<LayerReport> layers;
  std::uint64_t size = 0;                         // config + layers, compressed
  std::vector<std::string> os_packages;           // "name version arch" installed by its OS-package layer
  std::vector<std::string> acknowledged_scripts;  // "pkg/script" skipped knowingly (apt.allow_scripts)
  std::vector<std::string> wheels;                // "name version (pythonX.Y)" as locked for it
};

// The names a base reference may be stored under in a --base layout: as
// written, Docker-normalised, and the bare tag (what umoci and skopeo write).
std::vector<std::string> base_layout_names(const std::string& ref);

// Shared state across the cells of one build.
class BuildContext {
 public:
  // Registry base pulls use `registry`, the command's one session.
  static Result<std::unique_ptr<BuildContext>> create(const BuildOptions& opts, registry::LazySession& registry);
  const BuildOptions& options() const { return opts_; }
  const layout::Layout& out() const { return out_->layout(); }
  layout::LayoutStore& out_store() { return *out_; }
  wheel::WheelCache& cache() { return *cache_; }
  wheel::Lock& lock() { return lock_; }
  // Finds a base image in the --base layouts (else pulls it from its
  // registry) and copies it into out(), tagged base/<ref>. "scratch" is an
  // image with no layers. A base the lock pins must name the pinned
  // manifest (pins.h); one it does not pin is pinned now.
  Result<layout::StoredImage> base_image(const std::string& ref);
  // Bases and artifacts this run pinned anew (pins.h), in lock() already;
  // written to the lock file after the build.
  Pins& pinned() { return pinned_; }
  // The verified apt indexes of `sources` for `arch`, fetched once per build
  // (os_packages.cc).
  Result<std::vector<apt::RepoIndex>> apt_indexes(const std::vector<apt::Source>& sources, const std::string& arch);
  // OS-package lock entries by image reference: as the lock file had them,
  // and those this run resolved anew (written after the images are built).
  const apt::AptLockFile& apt_locked() const { return apt_locked_; }
  apt::AptLockFile& apt_resolved() { return apt_resolved_; }
  // A fetched wheel inspected (zip directory and RECORD checked) once per
  // build, however many cells and Pythons install it; the result goes to
  // the installer.
  Result<std::shared_ptr<const wheel::WheelContents>> inspect(const wheel::FetchedWheel& w);
  size_t inspections() const { return inspected_.size(); }  // distinct wheels inspected so far
  // The SBOM's packages of a base image, by its manifest digest: read once
  // per build (attest_cell.cc).
  std::map<std::string, std::vector<attest::SbomDeb>>& base_sbom_debs() { return base_sbom_debs_; }
  // Where this build keeps what it verified for the next one (base/verified.h).
  std::string verified_file() const;

 private:
  BuildContext(BuildOptions o, registry::LazySession& r) : opts_(std::move(o)), registry_(r) {}
  Result<layout::StoredImage> copy_base(store::ImageStore& from, const std::string& name, const std::string& tag);
  Status pin_base(const std::string& ref, store::ImageStore& from, const std::string& name);
  BuildOptions opts_;
  std::unique_ptr<layout::LayoutStore> out_;
  std::vector<std::unique_ptr<layout::LayoutStore>> bases_;
  // Wheel indexes, wheel and artifact downloads: the registry flags' TLS
  // options apply to them too.
  std::unique_ptr<net::HttpClient> http_;
  std::unique_ptr<wheel::WheelCache> cache_;
  std::map<std::string, layout::StoredImage> base_cache_;
  Pins pinned_;
  std::map<std::string, std::shared_ptr<const wheel::WheelContents>> inspected_;  // by sha256 and filename
  std::map<std::string, std::vector<apt::RepoIndex>> apt_indexes_;
  std::map<std::string, std::vector<attest::SbomDeb>> base_sbom_debs_;
  apt::AptLockFile apt_locked_, apt_resolved_;
  registry::LazySession& registry_;  // opened on the first registry pull
  wheel::Lock lock_;
};

// The layer plans of `plan` above `base`, with the SBOM inputs and the lock
// fingerprint: OS packages resolved, wheels fetched and inspected, artifacts
// fetched, files read.
Status plan_layers(BuildContext& ctx, CellPlan& plan, const layout::StoredImage& base, CellResult& result);

Result<CellResult> build_cell(BuildContext& ctx, CellPlan& plan);

}  // namespace dl::pipeline
