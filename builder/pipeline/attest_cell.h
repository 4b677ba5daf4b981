// The attestations of one cell (builder/attest): an SPDX SBOM and a SLSA
// provenance, attached in the layout exactly as a push publishes them, so
// a cell has one digest whether or not it is pushed: OCI referrers with the
// referrers tag, the tags on the image manifest (the default); with
// --attest-format buildkit (OCI manifests only) BuildKit's index as well,
// the tags on the index. With --no-attest nothing is attached.
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
// manifest) into the layout, points every tag of the cell at what the
// format says, and records that and the referrers in `result`.
// The plan gives the SBOM's inputs and the lock digest.
Status attest_cell(BuildContext& ctx, const CellPlan& plan, const layout::StoredImage& base,
                   const layout::StoredRefs& image, CellResult& result);

}  // namespace dl::pipeline
