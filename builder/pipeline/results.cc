#include "builder/pipeline/results.h"

#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "registry/reference/reference.h"

namespace dl::pipeline {

namespace {

using Json = nlohmann::ordered_json;

constexpr std::uint64_t kMaxResultsBytes = 64ull << 20;

Json failures_json(const std::vector<CellFailure>& fs) {
  auto a = Json::array();
  for (auto& f : fs) a.push_back({{"image", f.cell}, {"phase", f.phase}, {"error", f.error}});
  return a;
}

// The pushed cell of a built one, if this run pushed it.
const PushedCell* pushed_of(const CellResult& c, const std::optional<PushReport>& push) {
  if (push)
    for (auto& p : push->cells)
      if (p.id == c.cell.id) return &p;
  return nullptr;
}

Json images_json(const ReleaseReport& rr) {
  auto a = Json::array();
  for (size_t i = 0; i < rr.build.cells.size(); ++i) {
    const CellResult& c = rr.build.cells[i];
    const CellDetails d = i < rr.details.size() ? rr.details[i] : CellDetails{};
    int fresh = 0, reused = 0, base = 0;
    for (auto& l : c.layers) (l.kind == "base" ? base : l.built ? fresh : reused)++;
    const PushedCell* p = pushed_of(c, rr.push);
    bool pushed = p && !p->failed;
    auto layers = Json::array();
    for (auto& l : c.layers)
      layers.push_back(
          {{"kind", l.kind}, {"digest", l.descriptor.digest.str()}, {"size", l.descriptor.size}, {"new", l.built}});
    a.push_back({{"id", c.cell.id},
                 {"tags", c.cell.refs()},
                 {"framework", c.cell.framework},
                 {"layers", layers},
                 {"base", {{"ref", d.inputs.base_ref}, {"digest", d.inputs.base_digest}}},
                 {"inputs", {{"lock_digest", d.inputs.lock_digest}, {"recipe_digest", d.inputs.recipe_digest}}},
                 {"os_packages", c.os_packages},
                 {"wheels", c.wheels},
                 {"acknowledged_scripts", c.acknowledged_scripts},
                 {"digest", c.manifest.digest.str()},
                 {"media_type", c.manifest.media_type},
                 {"size", c.size},
                 {"uncompressed_size", d.uncompressed},  // 0: not known
                 {"changes", d.changes},
                 {"pushed", pushed},
                 {"pushed_tags", pushed ? p->tags : std::vector<std::string>{}},
                 {"layers_new", fresh},
                 {"layers_reused", reused},
                 {"layers_base", base}});
  }
  return a;
}

}  // namespace

std::string results_json(const ReleaseReport& rr) {
  const auto& r = rr.build;
  Json j;
  j["schema"] = kResultsSchema;
  j["kind"] = "dlimage.build";
  j["run"] = {{"version", rr.run.version},   {"commit", rr.run.commit},   {"command_line", rr.run.command_line},
              {"registry", rr.run.registry}, {"started", rr.run.started}, {"seconds", rr.run.seconds}};
  j["previous"] = rr.previous.source;
  j["images"] = images_json(rr);
  j["dedup"] = {{"images", r.dedup.images},
                {"logical_bytes", r.dedup.logical_bytes},
                {"unique_bytes", r.dedup.unique_bytes},
                {"one_layer_per_image_bytes", r.dedup.one_layer_per_image_bytes}};
  j["phases"] = Json::array();
  for (auto& p : r.phases.times()) j["phases"].push_back({{"name", p.name}, {"seconds", p.seconds}});
  if (const auto& p = rr.push)
    j["push"] = {{"cells_skipped", p->cells_skipped},   {"manifests_put", p->manifests_put},
                 {"blobs_existing", p->blobs_existing}, {"blobs_mounted", p->blobs_mounted},
                 {"blobs_uploaded", p->blobs_uploaded}, {"bytes_uploaded", p->bytes_uploaded},
                 {"check_seconds", p->check_seconds},   {"publish_seconds", p->publish_seconds}};
  if (const auto& s = rr.signing) j["signing"] = {{"signed", s->signed_tags}, {"already_signed", s->already}};
  j["failures"] = failures_json(rr.failures);
  if (!rr.error.empty()) j["error"] = rr.error;
  return j.dump(2) + "\n";
}

Result<std::vector<ExpectedTag>> load_results(const std::string& path) {
  auto bad = [&](const std::string& why) { return invalid(path + ": " + why); };
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec)
    return Error(ErrorKind::not_found,
                 path + ": " + ec.message() + "; expected a results file of `dlimage build --json`");
  if (size > kMaxResultsBytes) return bad("larger than 64 MiB; not a results file");
  DL_ASSIGN_OR_RETURN(auto text, read_file(path));
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return bad("not JSON; expected the output of `dlimage build --json`");
  if (!j.contains("schema") || !j["schema"].is_number_integer())
    return bad("no \"schema\" field; expected the output of `dlimage build --json`");
  if (j["schema"].get<int>() != kResultsSchema)
    return bad("schema " + j["schema"].dump() + " is not supported (this dlimage reads schema " +
               std::to_string(kResultsSchema) + ")");
  if (!j.contains("images") || !j["images"].is_array()) return bad("no \"images\" array");
  std::vector<ExpectedTag> out;
  for (size_t i = 0; i < j["images"].size(); ++i) {
    const Json& im = j["images"][i];
    std::string where = "images[" + std::to_string(i) + "]";
    if (!im.is_object() || !im.contains("digest") || !im["digest"].is_string() || !im.contains("tags") ||
        !im["tags"].is_array())
      return bad(where + ": expected an object with \"digest\" and \"tags\"");
    auto digest = Digest::parse(im["digest"].get<std::string>());
    if (!digest.ok()) return bad(where + ".digest: " + digest.error().message());
    // As pushed when the run pushed (the --registry it pushed to), else the
    // matrix's own references.
    const Json& tags = im.contains("pushed_tags") && im["pushed_tags"].is_array() && !im["pushed_tags"].empty()
                           ? im["pushed_tags"]
                           : im["tags"];
    for (auto& t : tags) {
      if (!t.is_string()) return bad(where + ".tags: expected strings");
      auto ref = registry::parse_reference(t.get<std::string>());
      if (!ref.ok()) return bad(where + ".tags: " + ref.error().message());
      out.push_back({*ref, *digest});
    }
  }
  return out;
}

}  // namespace dl::pipeline
