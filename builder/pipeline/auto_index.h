// The `auto` tag of a CPU image group (matrix.yaml `auto_tag:`): an OCI
// index over the group's ISA builds, so an engine that reads the CPU picks
// the build for it. The plain build comes first with no variant (Docker
// 18.09 and engines that ignore variants take the first linux/amd64 entry);
// AVX2 builds are amd64 variant v3, AVX-512 builds v4; AVX-only builds are
// left out (AVX alone is no x86-64 level). With --attest-format buildkit
// each image's attestation manifest (unknown/unknown) rides along, as
// BuildKit writes multi-platform indexes; referrers need nothing here. docs/MATRIX.md says which engines pick by
// themselves.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "builder/pipeline/cell_builder.h"

namespace dl::pipeline {

// One index per auto tag whose every ISA build of the group was built in
// this run, written to the layout under "repo:auto_tag" and returned as a
// CellResult (no layers) that push, sign and verify treat as any other. An
// auto tag whose group was only partly built (--filter, --shard) is not
// written; `notes` says so.
Result<std::vector<CellResult>> build_auto_indexes(BuildContext& ctx, const std::vector<CellResult>& built,
                                                   std::vector<std::string>& notes);

}  // namespace dl::pipeline
