// A memo key over everything a cell's statements are made from: the SBOM's
// ImageContents, the provenance's BuildParameters, the subject and the
// platform. Statements are deterministic in their inputs, so a rebuild
// whose key is unchanged can reuse what the last build attached instead of
// generating, serializing and storing the JSON again (pipeline/attest_cell).
// Every field goes in, each length-prefixed, so two different inputs never
// give the same byte stream: a field added to those structs must be added
// here, or a stale statement could be reused.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/sha256.h"
#include "builder/attest/provenance.h"
#include "builder/attest/sbom.h"
#include "builder/attest/statement.h"
#include "builder/image/descriptor.h"

namespace dl::attest {

class InputsKey {
 public:
  InputsKey();  // starts with the statements' format version
  InputsKey& add(std::string_view s);
  InputsKey& add(std::int64_t n);
  InputsKey& add(const Digest& d) { return add(d.str()); }
  std::string hex() { return sha_.hex_digest(); }

 private:
  Sha256 sha_;
};

void add_inputs(InputsKey& k, const ImageContents& c);
void add_inputs(InputsKey& k, const BuildParameters& p);
void add_inputs(InputsKey& k, const std::vector<Subject>& subjects, const image::Platform& platform);

}  // namespace dl::attest
