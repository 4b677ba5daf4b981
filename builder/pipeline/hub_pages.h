// The Docker Hub pages of the selected cells' repositories: the files each
// image group names under `hub:` (relative to the matrix file), read with
// bounds and checked against Docker Hub's limits (registry/hub/hub.h)
// before anything is sent. --namespace moves the pages as it moves pushes.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "builder/pipeline/options.h"
#include "registry/hub/hub.h"

namespace dl::pipeline {

// Every selected repository with a hub: entry; an error when none has one.
Result<std::vector<hub::Page>> hub_pages(const BuildOptions& selection);

}  // namespace dl::pipeline
