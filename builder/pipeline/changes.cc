#include "builder/pipeline/changes.h"

#include <nlohmann/json.hpp>

#include <filesystem>

#include "base/fs.h"
#include "base/strings.h"
#include "builder/attest/attach.h"
#include "builder/image/descriptor.h"
#include "builder/layout/layout_store.h"
#include "builder/layout/store_image.h"
#include "builder/pipeline/provenance.h"

namespace dl::pipeline {

namespace {

using Json = nlohmann::json;

constexpr std::uint64_t kMaxResultsBytes = 64ull << 20;

std::string label(const std::map<std::string, std::string>& l, std::string_view key) {
  auto it = l.find(std::string(key));
  return it == l.end() ? "" : it->second;
}

std::string short_digest(const std::string& d) { return d.size() > 19 ? d.substr(0, 19) : d; }

std::string str(const Json& o, const char* key) {
  return o.is_object() && o.contains(key) && o[key].is_string() ? o[key].get<std::string>() : "";
}

}  // namespace

RecordedInputs inputs_of(const std::map<std::string, std::string>& labels) {
  return {label(labels, image::annotation::kBaseName), label(labels, image::annotation::kBaseDigest),
          label(labels, kLockDigestLabel), label(labels, kRecipeDigestLabel)};
}

std::vector<std::string> input_changes(const RecordedInputs& then, const RecordedInputs& now,
                                       const std::string& recipe) {
  std::vector<std::string> why;
  auto shown = [](const std::string& ref) { return ref.empty() ? std::string("scratch") : ref; };
  if (then.base_ref != now.base_ref)
    why.push_back("base image changed (" + shown(then.base_ref) + " -> " + shown(now.base_ref) + ")");
  else if (then.base_digest != now.base_digest)
    why.push_back("base digest changed (" + shown(now.base_ref) + ": " + short_digest(then.base_digest) + " -> " +
                  short_digest(now.base_digest) + ")");
  if (!now.lock_digest.empty() && now.lock_digest != then.lock_digest) why.push_back("lock changed");
  if (now.recipe_digest != then.recipe_digest)
    why.push_back("recipe changed" + (recipe.empty() ? std::string() : " (" + recipe + ")"));
  return why;
}

Result<PreviousRun> previous_from_layout(const std::string& dir) {
  PreviousRun prev;
  std::error_code ec;
  if (!std::filesystem::exists(std::filesystem::path(dir) / "index.json", ec)) return prev;
  prev.source = "layout " + dir;
  DL_ASSIGN_OR_RETURN(auto l, layout::Layout::open(dir));
  layout::LayoutStore store(std::move(l));
  DL_ASSIGN_OR_RETURN(auto tags, store.list());
  for (auto& t : tags) {
    if (starts_with(t, "base/") || attest::is_attachment_tag(t)) continue;
    DL_ASSIGN_OR_RETURN(auto head, store.head_manifest(t));
    PreviousImage p{head.digest.str(), {}};
    // An index with no amd64 image (an `auto` tag over others) has no
    // inputs of its own: its digest alone says whether it changed.
    if (auto img = layout::read_image(store, t); img.ok()) p.inputs = inputs_of(img->config.config.labels);
    prev.images[t] = std::move(p);
  }
  return prev;
}

Result<PreviousRun> previous_from_results(const std::string& path) {
  auto bad = [&](const std::string& why) { return invalid(path + ": " + why); };
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) return not_found(path + ": " + ec.message() + "; expected a results file of `dlimage build --json`");
  if (size > kMaxResultsBytes) return bad("larger than 64 MiB; not a results file");
  DL_ASSIGN_OR_RETURN(auto text, read_file(path));
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || !j.contains("images") || !j["images"].is_array() ||
      j.value("schema", 0) != 1)
    return bad("expected a schema-1 results file of `dlimage build --json`");
  PreviousRun prev{path, {}};
  for (size_t i = 0; i < j["images"].size(); ++i) {
    const Json& im = j["images"][i];
    if (!im.is_object() || !im.contains("tags") || !im["tags"].is_array() || im["tags"].empty() ||
        !im["tags"][0].is_string() || str(im, "digest").empty())
      return bad("images[" + std::to_string(i) + "]: expected \"tags\" and \"digest\"");
    const Json& base = im.contains("base") ? im["base"] : Json();
    const Json& in = im.contains("inputs") ? im["inputs"] : Json();
    prev.images[im["tags"][0].get<std::string>()] = {
        str(im, "digest"), {str(base, "ref"), str(base, "digest"), str(in, "lock_digest"), str(in, "recipe_digest")}};
  }
  return prev;
}

std::vector<std::string> changes_since(const PreviousRun& prev, const std::string& ref, const std::string& digest,
                                       const RecordedInputs& now, const std::string& recipe) {
  auto it = prev.images.find(ref);
  if (it == prev.images.end()) return {std::string(kNotPublished) + " (new in this run)"};
  if (it->second.digest == digest) return {"unchanged"};
  if (!it->second.inputs.recorded()) return {"no provenance labels before (built before dlimage recorded its inputs)"};
  auto why = input_changes(it->second.inputs, now, recipe);
  if (why.empty()) why.push_back("content changed with the same recorded inputs (dlimage version or flags)");
  return why;
}

}  // namespace dl::pipeline
