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
#include "builder/pipeline/cell_plan.h"

namespace dl::pipeline {

// Writes the SBOM and provenance of `image` (the cell's stored image
// manifest) into the layout, points every tag of the cell at the BuildKit
// index, and records the index and the referrers in `result`.
// The plan gives the SBOM's inputs and the lock digest.
Status attest_cell(BuildContext& ctx, const CellPlan& plan, const layout::StoredImage& base,
                   const layout::StoredRefs& image, CellResult& result);

}  // namespace dl::pipeline
