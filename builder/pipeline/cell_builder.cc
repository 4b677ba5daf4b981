#include "builder/pipeline/cell_builder.h"

#include <nlohmann/json.hpp>

#include <future>
#include <set>

#include "base/fs.h"
#include "base/strings.h"
#include "builder/image/image_config.h"
#include "builder/image/manifest.h"
#include "builder/layer/layer_writer.h"
#include "builder/layout/store_image.h"
#include "builder/pipeline/attest_cell.h"
#include "builder/pipeline/interpreter_check.h"
#include "builder/pipeline/layer_sources.h"
#include "builder/pipeline/os_packages.h"
#include "builder/pipeline/provenance.h"
#include "builder/pipeline/resolve_wheels.h"
#include "builder/pipeline/tree_scan.h"
#include "builder/pypa/markers.h"
#include "builder/pypa/name.h"
#include "builder/pypa/requirement.h"
#include "builder/pypa/tags.h"
#include "builder/pypa/wheel_filename.h"
#include "builder/recipe/recipe.h"
#include "builder/wheel/set_check.h"
#include "builder/wheel/target_check.h"
#include "builder/wheel/wheel_archive.h"

namespace dl::pipeline {

namespace {

std::string layer_cache_path(const layout::Layout& l, const std::string& key) {
  return (l.root() / ".dlimage-cache" / "layers" / (key + ".json")).string();
}

layer::LayerOptions layer_options(const BuildContext& ctx) {
  layer::LayerOptions lo;
  lo.compression = ctx.options().compression;
  lo.source_date_epoch = ctx.options().source_date_epoch;
  return lo;
}

// Builds (or finds in the layer cache) one layer.
Result<LayerReport> realize(BuildContext& ctx, const LayerPlan& plan) {
  layer::LayerOptions lo = layer_options(ctx);
  const std::string kind = plan.kind();
  auto& out = ctx.out();
  std::string cache_file = layer_cache_path(out, plan.key(lo));
  if (auto cached = read_file(cache_file); cached.ok()) {
    auto j = nlohmann::json::parse(*cached, nullptr, false);
    if (!j.is_discarded()) {
      auto d = Digest::parse(j.value("digest", ""));
      if (d.ok() && out.has_blob(*d)) {
        LayerReport r;
        r.kind = kind;
        r.descriptor.media_type = j.value("mediaType", "");
        r.descriptor.digest = *d;
        r.descriptor.size = j.value("size", std::int64_t(0));
        r.diff_id = j.value("diffID", "");
        r.uncompressed_size = j.value("uncompressedSize", std::uint64_t(0));
        // Re-hashed before reuse: a corrupt layer is rebuilt (and the new
        // blob replaces it), never pushed.
        if (out.verify_blob(r.descriptor).ok()) return r;
      }
    }
  }
  DL_ASSIGN_OR_RETURN(auto blob, out.blob_writer());
  DL_ASSIGN_OR_RETURN(auto writer, layer::LayerWriter::create(lo, blob.get()));
  auto content = plan.write(*writer);
  if (!content.ok()) return content.error().wrap("layer " + kind);
  DL_ASSIGN_OR_RETURN(auto info, writer->finish());
  LayerReport r;
  r.kind = kind;
  r.built = true;
  r.descriptor = blob->descriptor(info.oci_media_type());
  r.diff_id = info.diff_id.str();
  r.uncompressed_size = info.tar_size;
  nlohmann::json j = {{"mediaType", r.descriptor.media_type},
                      {"digest", r.descriptor.digest.str()},
                      {"size", r.descriptor.size},
                      {"diffID", r.diff_id},
                      {"uncompressedSize", r.uncompressed_size}};
  DL_TRY(write_file_atomic(cache_file, j.dump()));
  return r;
}

// Whether the layer cache names every layer of the plan (its blobs are
// checked only when used).
bool all_cached(const BuildContext& ctx, const CellPlan& plan) {
  auto lo = layer_options(ctx);
  std::error_code ec;
  for (const auto& l : plan.layers)
    if (!fs::is_regular_file(layer_cache_path(ctx.out(), l.key(lo)), ec)) return false;
  return true;
}

}  // namespace

namespace {

// The shared and framework wheel layers: each Python's locked wheels,
// fetched, inspected once (BuildContext::inspect) and checked against that
// Python's target, as pip checks at install, whichever way they arrived.
Status plan_wheels(BuildContext& ctx, CellPlan& plan) {
  const auto& o = ctx.options();
  const auto& cell = plan.cell;
  WheelsLayer shared{true, "dlimage: wheels shared across images", {}};
  WheelsLayer framework{false, "dlimage: " + cell.framework + " " + cell.version + " wheels", {}};
  for (auto& py : plan.pythons) {
    auto entry = ctx.lock().environments.find(py.lock_key);
    if (entry == ctx.lock().environments.end())
      return not_found(cell.ref() + ": the lock has no entry \"" + py.lock_key + "\"");
    // The shared layer holds the closure of the recipe's shared requirements.
    auto shared_names = shared_closure(entry->second, plan.shared_roots);
    DL_ASSIGN_OR_RETURN(auto fetched, wheel::fetch_locked(ctx.lock(), py.lock_key, ctx.cache()));
    WheelInstall s{py.install, {}, {}}, f{py.install, {}, {}};
    wheel::Target target{py.env.interpreter, ""};
    pypa::SupportedTags supported(py.env.interpreter);
    std::vector<wheel::WheelContents> contents;
    for (auto& fw : fetched) {
      plan.inputs.wheels.push_back(
          {fw.wheel.name, fw.wheel.version, fw.wheel.filename, fw.wheel.url, fw.wheel.sha256, py.version});
      auto c = ctx.inspect(fw);
      if (!c.ok()) return c.error().wrap(cell.ref());
      if (auto fits = wheel::check_installable(**c, target, supported); !fits.ok())
        return fits.error().wrap(cell.ref() + " (Python " + py.version + ")");
      auto& share = shared_names.count(pypa::normalize_name(fw.wheel.name)) ? s : f;
      share.wheels.push_back(*c);
      share.sha256s.push_back(fw.wheel.sha256);
      if (!o.allow_missing) contents.push_back(**c);
    }
    if (!o.allow_missing) {
      // The plan's marker environment: parsed once, with the image's arch.
      auto complete =
          wheel::require_complete(contents, {"python " + py.env.interpreter.python_version(), py.env.markers});
      if (!complete.ok())
        return complete.error().wrap(cell.ref() + " (Python " + py.version + "; --allow-missing to build anyway)");
    }
    if (!s.wheels.empty()) shared.installs.push_back(std::move(s));
    if (!f.wheels.empty()) framework.installs.push_back(std::move(f));
  }
  if (!shared.installs.empty()) plan.layers.push_back({std::move(shared)});
  if (!framework.installs.empty()) plan.layers.push_back({std::move(framework)});
  return {};
}

}  // namespace

Status plan_layers(BuildContext& ctx, CellPlan& plan, const layout::StoredImage& base, CellResult& result) {
  const auto& o = ctx.options();
  const auto& cell = plan.cell;
  const auto& rec = plan.recipe;
  DL_ASSIGN_OR_RETURN(auto os, plan_os_packages(ctx, cell, rec, base.manifest.layers));
  for (const auto& p : os.packages) {
    plan.inputs.debs.push_back({p.name, p.version, p.arch, p.sha256, "build"});
    result.os_packages.push_back(p.name + " " + p.version + " " + p.arch);
  }
  result.acknowledged_scripts = os.acknowledged_scripts;
  if (os.plan) plan.layers.push_back(std::move(*os.plan));
  DL_TRY(plan_wheels(ctx, plan));
  DL_ASSIGN_OR_RETURN(auto artifacts, fetch_artifacts(cell, rec, o, ctx.cache()));
  for (auto& f : artifacts) {
    plan.inputs.artifacts.push_back({f.shown, f.artifact.dest, f.file.sha256});
    plan.layers.push_back({ArtifactLayer{f.artifact, f.shown, f.file.path.string(), f.file.sha256}});
  }
  Pins fresh;
  fresh.artifacts[cell.ref()] = locked_artifacts(artifacts);
  merge_pins(ctx.lock(), fresh, &ctx.pinned());
  if (!rec.files.empty()) {
    auto files = FilesLayer::make(rec.files);
    if (!files.ok()) return files.error().wrap(cell.ref());
    plan.layers.push_back({std::move(*files)});
  }
  // After the OS packages: their lock entry is one of the cell's.
  auto lock = lock_fingerprint(ctx.lock(), cell.ref(), cell.pythons);
  plan.lock_label = lock.label();
  plan.lock_digest = lock.digest;
  return {};
}

Result<CellResult> build_cell(BuildContext& ctx, CellPlan& plan) {
  const auto& o = ctx.options();
  const auto& cell = plan.cell;
  const auto& rec = plan.recipe;
  DL_ASSIGN_OR_RETURN(auto base, ctx.base_image(cell.base.ref));
  // A layer to build makes a tree the interpreter check below has not seen,
  // and it starts from the base's: that is scanned on the other core while
  // the wheels are inspected and the layers written (the check, and the OS
  // package plan, wait for it: tree_scan.h). At once in an output with no
  // layer cache yet (everything will be built), else once the plan shows a
  // layer to build: a rerun with every layer cached reads no base layer.
  // Joined when `base_scan` goes.
  std::future<void> base_scan;
  auto scan_base = [&] {
    if (!base_scan.valid() && !base.manifest.layers.empty())
      base_scan = std::async(std::launch::async, [&] { (void)scan_layers(ctx.out(), base.manifest.layers); });
  };
  std::error_code ec;
  if (!fs::exists(ctx.out().root() / ".dlimage-cache" / "layers", ec)) scan_base();
  CellResult result;
  result.cell = cell;
  DL_TRY(plan_layers(ctx, plan, base, result));

  image::ImageConfig config = base.config;
  config.set_created(o.source_date_epoch);
  std::vector<image::Descriptor> layers = base.manifest.layers;
  for (auto& l : base.manifest.layers) result.layers.push_back({l, "base", false, ""});
  if (!all_cached(ctx, plan)) scan_base();
  for (auto& layer : plan.layers) {
    auto realized = realize(ctx, layer);
    if (!realized.ok()) return realized.error().wrap(cell.ref());
    auto& rep = *realized;
    DL_ASSIGN_OR_RETURN(auto diff_id, Digest::parse(rep.diff_id));
    config.add_layer(diff_id, layer.created_by(), o.source_date_epoch);
    layers.push_back(rep.descriptor);
    result.layers.push_back(rep);
  }
  std::vector<TreeLayer> tree_layers;
  for (auto& l : result.layers) tree_layers.push_back({l.descriptor, !starts_with(l.kind, "wheels"), l.kind == "base"});
  DL_TRY(verify_interpreters(ctx.out(), cell, tree_layers));
  for (auto& [k, v] : rec.env) config.set_env(k, v);
  if (!rec.cmd.empty()) config.config.cmd = rec.cmd;
  if (!rec.entrypoint.empty()) config.config.entrypoint = rec.entrypoint;
  if (!rec.workdir.empty()) config.config.working_dir = rec.workdir;
  for (int p : rec.ports) config.config.exposed_ports.insert(std::to_string(p) + "/tcp");
  for (auto& [k, v] : rec.labels) config.config.labels[k] = v;
  // The cell, and what `dlimage plan` compares to say why an image would
  // change: the one label table (image_labels.h).
  LabelledImage labelled{cell, "", layer::compression_identity(o.compression), plan.recipe_digest, plan.lock_label};
  for (auto& [k, v] : labels_of(labelled)) config.config.labels[k] = v;

  image::ImageMetadata meta;
  meta.created_epoch = o.source_date_epoch;
  meta.version = cell.version;
  meta.revision = o.revision;
  meta.source = o.source_url;
  meta.title = cell.ref();
  if (!cell.base.scratch()) meta.base_name = cell.base.ref;
  meta.base_digest = base.manifest_descriptor.digest;
  // The provenance annotations are labels as well: labels live in the
  // config, so they survive either manifest format and a docker save/load.
  for (auto& [k, v] : image::oci_annotations(meta)) config.config.labels[k] = v;

  // Attested, attest_cell tags the cell: the image itself, or BuildKit's
  // index when asked for (OCI only: that index holds OCI manifests).
  bool attest = o.attest;
  DL_ASSIGN_OR_RETURN(auto stored,
                      layout::store_image(ctx.out_store(), o.format, config, layers, image::oci_annotations(meta),
                                          attest ? std::vector<std::string>{} : cell.refs()));
  result.manifest = result.image = stored.manifest;
  if (attest) DL_TRY(attest_cell(ctx, plan, base, stored, result));
  result.size = std::uint64_t(stored.config.size);
  for (auto& l : layers) result.size += std::uint64_t(l.size);
  return result;
}

}  // namespace dl::pipeline
