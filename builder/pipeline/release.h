// The release driver behind `dlimage build [--push]` and `dlimage verify`:
// a straight list of named, timed phases over one registry session, opened
// at most once per command:
//   (preflight: can we push?) -> build (expand -> resolve-wheels ->
//   build-images) -> push -> sign -> verify
// then the optional HTML report, written also when a phase fails (the
// error is its first failure row). The CLI parses flags into ReleaseOptions
// and prints the ReleaseReport; nothing else.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "builder/pipeline/build.h"
#include "builder/pipeline/options.h"
#include "builder/pipeline/progress.h"
#include "builder/pipeline/push.h"
#include "builder/pipeline/report_data.h"
#include "builder/pipeline/sign_cells.h"

namespace dl::pipeline {

struct ReleaseOptions {
  BuildOptions build;       // build.keep_going also applies to the push
  bool push = false;        // publish every tag of every built cell
  bool verify = false;      // then check every tag points at its cell's digest
  std::string report_file;  // self-contained HTML report; "" = none, written whether or not the run fails
  // What the report and the results compare with: a results file of an
  // earlier run; "" = the output layout as it was before this build.
  std::string previous_results;
  bool count_sizes = false;  // uncompressed sizes of base layers too (decompressed once each): --json
  RunInfo run;               // command line and version; started and seconds are filled by release()
  // cosign key (PEM; encrypted ones are opened with $COSIGN_PASSWORD): after
  // the push, every pushed tag is signed (sha256-<hex>.sig). Loaded before
  // anything is built, so a wrong passphrase fails in a second.
  std::string sign_key;
  // cosign.pub: verify also checks every tag's signature.
  std::string verify_key;
  // Push progress (bytes, rate); the Progress callback gets ("push", 0, n,
  // "") just before the push starts, so a printer can switch to it.
  ProgressMeter* push_progress = nullptr;
};

struct ReleaseReport {
  BuildReport build;  // build.phases holds every phase, push and verify too
  std::optional<PushReport> push;
  std::optional<std::vector<VerifyProblem>> problems;               // set when verified
  std::optional<SignReport> signing;                                // set when signed
  std::optional<std::vector<SignatureProblem>> signature_problems;  // set when verified with a key
  std::vector<CellFailure> failures;                                // build's and push's (keep_going)
  std::size_t tags = 0;                                             // tags of the built cells
  RunInfo run;
  PreviousRun previous;              // what the changes are against
  std::vector<CellDetails> details;  // one per build.cells entry
  std::string error;                 // what stopped the run ("" = it ran to the end)
};

Result<ReleaseReport> release(const ReleaseOptions& opts, const Progress& progress = {});

}  // namespace dl::pipeline
