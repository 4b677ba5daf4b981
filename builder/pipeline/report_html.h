// `dlimage build --report FILE.html`: the page a release is signed off on.
// One self-contained file (no scripts, no fetched assets; every string from
// outside escaped): run details (version, commit, command line, registry,
// start, duration), failures, a legend with ISA columns in rank order, the
// matrix grid coloured by status, and per image its full digest, `docker
// pull` lines by digest and by tag, compressed and uncompressed sizes, base
// digest, OS packages and wheels with versions, and what changed since the
// previous run and why (changes.h). Written also when the run fails.
#pragma once

#include <string>

#include "builder/pipeline/release.h"

namespace dl::pipeline {

std::string render_html_report(const ReleaseReport& r);

}  // namespace dl::pipeline
