#include "builder/attest/inputs_key.h"

namespace dl::attest {

namespace {
// Bumped whenever what the statements say, or how, changes in a way the
// inputs do not show (a new SPDX field, another serialization).
constexpr std::string_view kFormat = "dlimage-attest-inputs-v1";
}  // namespace

InputsKey::InputsKey() { add(kFormat); }

InputsKey& InputsKey::add(std::string_view s) {
  add(static_cast<std::int64_t>(s.size()));
  sha_.update(s);
  return *this;
}

InputsKey& InputsKey::add(std::int64_t n) {
  std::string text = std::to_string(n) + ";";
  sha_.update(text);
  return *this;
}

void add_inputs(InputsKey& k, const ImageContents& c) {
  k.add("contents").add(c.reference).add(c.base_reference).add(c.base_digest).add(c.distro);
  k.add(static_cast<std::int64_t>(c.debs.size()));
  for (auto& d : c.debs) k.add(d.name).add(d.version).add(d.arch).add(d.sha256).add(d.origin);
  k.add(static_cast<std::int64_t>(c.wheels.size()));
  for (auto& w : c.wheels) k.add(w.name).add(w.version).add(w.filename).add(w.url).add(w.sha256).add(w.python);
  k.add(static_cast<std::int64_t>(c.artifacts.size()));
  for (auto& a : c.artifacts) k.add(a.url).add(a.dest).add(a.sha256);
  k.add(c.created_epoch).add(c.tool);
}

void add_inputs(InputsKey& k, const BuildParameters& p) {
  k.add("parameters").add(p.matrix_file).add(p.cell_id).add(p.cell_reference);
  k.add(static_cast<std::int64_t>(p.cell.size()));
  for (auto& [axis, value] : p.cell) k.add(axis).add(value);
  k.add(p.revision).add(p.source_url).add(p.lock_file).add(p.lock_digest).add(p.base_reference).add(p.base_digest);
  k.add(p.compression).add(p.compression_engine).add(std::int64_t(p.compression_level)).add(p.source_date_epoch);
  k.add(p.manifest_format).add(p.builder_version).add(p.builder_commit);
}

void add_inputs(InputsKey& k, const std::vector<Subject>& subjects, const image::Platform& platform) {
  k.add("subjects").add(static_cast<std::int64_t>(subjects.size()));
  for (auto& s : subjects) k.add(s.name).add(s.digest);
  k.add("platform").add(platform.architecture).add(platform.os).add(platform.variant).add(platform.os_version);
  k.add(static_cast<std::int64_t>(platform.os_features.size()));
  for (auto& f : platform.os_features) k.add(f);
}

}  // namespace dl::attest
