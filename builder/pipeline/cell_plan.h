// One plan per cell: everything a cell's trip through the build decides,
// made once and read by every phase after it. make_cell_plan() (the `plan`
// phase) loads and renders the cell's recipe, parses its requirements and
// each Python's target environment (version, ABI, glibc, arch: typed, from
// the base's layout) and fingerprints the recipe. resolve-wheels reads the
// requirements and environments; build-images adds the layer plans, with
// every wheel inspected once (the inspection goes to the installer) and the
// SBOM inputs; the labels, the provenance and `dlimage plan` read the
// fingerprints. No phase loads, parses or inspects again.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "base/result.h"
#include "builder/attest/sbom.h"
#include "builder/matrix/matrix.h"
#include "builder/pipeline/layer_sources.h"
#include "builder/pipeline/options.h"
#include "builder/pypa/requirement.h"
#include "builder/recipe/recipe.h"
#include "builder/resolve/environment.h"
#include "builder/wheel/install.h"

namespace dl::pipeline {

// One of a cell's Pythons, parsed once from the base's layout.
struct PythonTarget {
  std::string version;               // "3.6", as the matrix spells it
  std::string lock_key;              // "REPO:TAG python3.6"
  resolve::Environment env;          // typed interpreter, markers; no variant labels
  wheel::InterpreterLayout install;  // where its wheels go in the image
};

// What a cell's contents are, for the SBOM (attest_cell.h).
struct CellInputs {
  std::vector<attest::SbomDeb> debs;  // installed by the cell's OS-package layer (origin "build")
  std::vector<attest::SbomWheel> wheels;
  std::vector<attest::SbomArtifact> artifacts;
};

struct CellPlan {
  matrix::Cell cell;
  recipe::Recipe recipe;                        // rendered for the cell
  std::vector<pypa::Requirement> requirements;  // recipe.wheels, parsed, in order
  std::set<std::string> shared_roots;           // normalised names of the "shared"-layer requirements
  std::string recipe_digest;                    // provenance.h recipe_fingerprint
  std::vector<PythonTarget> pythons;            // in cell.pythons order

  // Added by build-images (cell_builder.h), once the base and the lock are known.
  std::vector<LayerPlan> layers;  // above the base, in image order
  CellInputs inputs;
  std::string lock_label;  // provenance.h lock fingerprint ("" = nothing locked)
  Digest lock_digest;      // the same entries, for the SLSA provenance
};

// The recipes directory: --recipes, else recipes/ next to the matrix.
std::string recipes_dir(const BuildOptions& o);

// Errors name the recipe file (file:line:col) or the base's Python entry.
Result<CellPlan> make_cell_plan(const BuildOptions& o, const matrix::Cell& cell);

}  // namespace dl::pipeline
