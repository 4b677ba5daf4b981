// SLSA provenance v1 (https://slsa.dev/provenance/v1) of one image: who
// built it (dlimage and its version/commit), from what (the matrix file and
// the cell, the source revision, the cell's lock entries by digest, the base
// image by digest), and how (compression engine and level,
// SOURCE_DATE_EPOCH, manifest format). No wall-clock time and no host
// names: the same inputs give the same bytes, so an unchanged image keeps
// its digest and a rerun publishes nothing.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "base/sha256.h"

namespace dl::attest {

inline constexpr std::string_view kBuildType = "urn:dlimage:buildtype:matrix-cell:v1";
inline constexpr std::string_view kBuilderId = "urn:dlimage:builder";

// Every field goes into the memo key (inputs_key.h).
struct BuildParameters {
  std::string matrix_file;                  // as given to --matrix
  std::string cell_id, cell_reference;      // "tensorflow-1.12-...", primary tag
  std::map<std::string, std::string> cell;  // axis -> value (framework, version, python, accelerator, isa)
  std::string revision, source_url;         // --revision, --source-url ("" when not given)
  std::string lock_file;                    // --lock
  // sha256 over this cell's lock entries (canonical JSON), not the whole
  // file: another cell's change does not touch this image.
  Digest lock_digest;
  std::string base_reference;
  Digest base_digest;
  std::string compression, compression_engine;  // "gzip", "isa-l"
  int compression_level = 0;
  std::int64_t source_date_epoch = 0;
  std::string manifest_format;  // "oci" | "docker"
  std::string builder_version, builder_commit;
};

nlohmann::json slsa_provenance(const BuildParameters& p);

}  // namespace dl::attest
