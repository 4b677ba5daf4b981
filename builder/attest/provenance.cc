#include "builder/attest/provenance.h"

namespace dl::attest {

using nlohmann::json;

json slsa_provenance(const BuildParameters& p) {
  json cell = json::object();
  for (auto& [k, v] : p.cell) cell[k] = v;
  json external = {{"matrix", {{"file", p.matrix_file}}},
                   {"cell", {{"id", p.cell_id}, {"reference", p.cell_reference}, {"axes", cell}}},
                   {"source", {{"revision", p.revision}, {"url", p.source_url}}}};
  json internal = {
      {"compression", {{"algorithm", p.compression}, {"engine", p.compression_engine}, {"level", p.compression_level}}},
      {"sourceDateEpoch", p.source_date_epoch},
      {"manifestFormat", p.manifest_format}};
  json deps = json::array();
  if (!p.base_reference.empty())
    deps.push_back({{"name", "base image"},
                    {"uri", "docker://" + p.base_reference},
                    {"digest", {{p.base_digest.algorithm, p.base_digest.hex}}}});
  if (!p.lock_digest.empty())
    deps.push_back({{"name", "wheel lock entries of the cell"},
                    {"uri", p.lock_file.empty() ? "wheels.lock" : p.lock_file},
                    {"digest", {{p.lock_digest.algorithm, p.lock_digest.hex}}}});
  if (!p.revision.empty()) {
    json src = {{"name", "source"}, {"digest", {{"gitCommit", p.revision}}}};
    if (!p.source_url.empty()) src["uri"] = p.source_url;
    deps.push_back(src);
  }
  return {
      {"buildDefinition",
       {{"buildType", kBuildType},
        {"externalParameters", external},
        {"internalParameters", internal},
        {"resolvedDependencies", deps}}},
      {"runDetails",
       {{"builder", {{"id", kBuilderId}, {"version", {{"dlimage", p.builder_version}, {"commit", p.builder_commit}}}}},
        {"metadata", {{"invocationId", p.cell_id}}}}}};
}

}  // namespace dl::attest
