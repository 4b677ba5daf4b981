// A cell's OS packages (docs/APT.md), planned as one layer of the cell:
// the apt sections of its base, accelerator and recipe (`when:` applied by
// the recipe loader) resolved with libsolv against the dpkg status the base
// layers leave (whiteouts applied), each .deb fetched by sha256 into the
// download cache, and an "os-packages" LayerPlan that installs them over
// the base. A `scratch` base starts from an empty tree plus the Essential
// set, laid out merged-/usr when usr-is-merged is among the packages.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "builder/apt/lock.h"
#include "builder/apt/resolve.h"
#include "builder/image/descriptor.h"
#include "builder/matrix/matrix.h"
#include "builder/pipeline/cell_builder.h"
#include "builder/pipeline/layer_sources.h"
#include "builder/recipe/recipe.h"

namespace dl::pipeline {

struct OsPackages {
  std::vector<apt::ResolvedPackage> packages;     // to install, by name
  apt::AptLock lock;                              // InRelease digests + every .deb
  std::optional<LayerPlan> plan;                  // none: nothing to install
  std::vector<std::string> acknowledged_scripts;  // "pkg/script" skipped via allow_scripts
};

// Errors are wrapped with the cell's reference.
Result<OsPackages> plan_os_packages(BuildContext& ctx, const matrix::Cell& cell, const recipe::Recipe& rec,
                                    const std::vector<image::Descriptor>& base_layers);

}  // namespace dl::pipeline
