// The attestations of one cell (builder/attest): an SPDX SBOM and a SLSA
// provenance, attached in the layout both ways, BuildKit's index and OCI
// referrers with the referrers tag, so the layout holds exactly what a push
// publishes and a cell has one digest whether or not it is pushed. With
// --no-attest the tags point at the image manifest itself, as before.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "builder/attest/attach.h"
#include "builder/attest/sbom.h"
#include "builder/layout/store_image.h"
#include "builder/pipeline/cell_builder.h"

namespace dl::pipeline {

// What build_cell knows about a cell's contents as it goes.
struct CellInputs {
  std::vector<attest::SbomWheel> wheels;
  std::vector<attest::SbomArtifact> artifacts;
};

// Writes the SBOM and provenance of `image` (the cell's stored image
// manifest) into the layout, points every tag of the cell at the BuildKit
// index, and records the index and the referrers in `result`.
Status attest_cell(BuildContext& ctx, const matrix::Cell& cell, const layout::StoredImage& base,
                   const CellInputs& inputs, const layout::StoredRefs& image, CellResult& result);

}  // namespace dl::pipeline
