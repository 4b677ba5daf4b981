// The `sign` phase of a release and the signature half of `verify`: every
// tag of every pushed cell gets a cosign signature (builder/sign/cosign.h)
// in its repository, written through that repository's ImageStore
// (registry/client/registry_store.h), the same store every other push
// goes through. Reruns re-sign nothing: a signature of the same payload by
// the same key is found and kept.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "builder/pipeline/cell_builder.h"
#include "builder/pipeline/push.h"
#include "builder/sign/key.h"
#include "registry/client/client.h"

namespace dl::pipeline {

struct SignReport {
  std::uint64_t signed_tags = 0;  // new signatures written
  std::uint64_t already = 0;      // tags whose signature was already there
};

// Signs what each tag points at (cell.manifest: the image, or the index
// holding it and its attestations). Cells in `skip` (failed pushes, by
// primary reference) are left alone.
Result<SignReport> sign_cells(const std::vector<CellResult>& cells, const std::vector<std::string>& skip,
                              registry::RegistryClient& client, const sign::PrivateKey& key, int jobs);

struct SignatureProblem {
  std::string ref;      // the tag as pushed
  std::string problem;  // "no signature (sha256-....sig)", "...does not verify with this key"
};
// One problem per tag without a valid signature by `key` over the digest
// it must point at (`verify --results` gives the tags as pushed).
Result<std::vector<SignatureProblem>> verify_tag_signatures(const std::vector<ExpectedTag>& tags,
                                                            registry::RegistryClient& client,
                                                            const sign::PublicKey& key, int jobs);
// The same for every tag of every cell.
Result<std::vector<SignatureProblem>> verify_cell_signatures(const std::vector<CellResult>& cells,
                                                             registry::RegistryClient& client,
                                                             const sign::PublicKey& key, int jobs);

}  // namespace dl::pipeline
