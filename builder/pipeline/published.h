// What is really published: the cells of a repository reconstructed from
// its tags and the labels dlimage puts on every image config
// (io.qingcloud.dlimage.*). `dlimage resolve --from docker://REPO` ranks
// these instead of the matrix. Images without the labels are skipped.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "builder/matrix/matrix.h"
#include "registry/client/client.h"
#include "registry/reference/reference.h"

namespace dl::pipeline {

// Read from `repo` (a --mirror's host, say), shown as `shown` (the
// canonical name the user asked for). `digests` (if given) gets each
// cell's digest by cell id: what its first tag names (aliases of one image
// share a config, so they are one cell; a tag moved since reads apart).
Result<std::vector<matrix::Cell>> published_cells(registry::RegistryClient& client, const registry::Reference& repo,
                                                  const registry::Reference& shown,
                                                  std::map<std::string, std::string>* digests = nullptr);

// What one tag names: its manifest digest and its image config's labels
// (the linux/amd64 image of an index). nullopt when the tag does not exist.
struct PublishedImage {
  Digest digest;
  std::map<std::string, std::string> labels;
};
Result<std::optional<PublishedImage>> published_image(registry::RegistryClient& client, const registry::Reference& ref);

}  // namespace dl::pipeline
