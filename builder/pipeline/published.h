// What is really published: the cells of a repository reconstructed from
// its tags and the labels dlimage puts on every image config
// (io.qingcloud.dlimage.*). `dlimage resolve --from docker://REPO` ranks
// these instead of the matrix. Images without the labels are skipped.
#pragma once

#include <vector>

#include "base/result.h"
#include "builder/matrix/matrix.h"
#include "registry/client/client.h"
#include "registry/reference/reference.h"

namespace dl::pipeline {

Result<std::vector<matrix::Cell>> published_cells(registry::RegistryClient& client, const registry::Reference& repo);

}  // namespace dl::pipeline
