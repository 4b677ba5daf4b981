// What a sign-off report and a results file say about a run beyond the
// build itself: who ran what, when, against which registry, and for each
// image its recorded inputs, uncompressed size and what changed since the
// previous run (changes.h). Gathered once per run by pipeline::release.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "builder/pipeline/cell_builder.h"
#include "builder/pipeline/changes.h"

namespace dl::pipeline {

struct RunInfo {
  std::string version, commit;  // of this dlimage
  std::string command_line;     // as typed, credentials in URLs removed
  std::string registry;         // where it pushes ("" = not pushing)
  std::string started;          // UTC, RFC 3339
  double seconds = 0;           // wall time of the whole run
};

// version and commit filled in; `args` become command_line.
RunInfo run_info(const std::vector<std::string>& args);

// "2026-12-01T15:05:21Z" for now.
std::string utc_now();

struct CellDetails {
  RecordedInputs inputs;             // as recorded in the image's labels
  std::uint64_t uncompressed = 0;    // config + every layer's tar
  std::vector<std::string> changes;  // since the previous run; "unchanged" or reasons
};

// One entry per cell, in order. With count_tars, layers whose tar size the
// build did not record (base layers) are decompressed once per digest to
// count it; without, such a cell's uncompressed size is 0 (unknown).
Result<std::vector<CellDetails>> cell_details(const std::string& layout_dir, const std::vector<CellResult>& cells,
                                              const PreviousRun& previous, bool count_tars);

}  // namespace dl::pipeline
