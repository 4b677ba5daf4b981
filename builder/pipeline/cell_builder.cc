#include "builder/pipeline/cell_builder.h"

#include <nlohmann/json.hpp>

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
#include "builder/pypa/markers.h"
#include "builder/pypa/name.h"
#include "builder/pypa/requirement.h"
#include "builder/pypa/tags.h"
#include "builder/pypa/wheel_filename.h"
#include "builder/recipe/recipe.h"
#include "builder/wheel/set_check.h"
#include "builder/wheel/target_check.h"
#include "builder/wheel/wheel_archive.h"
#include "net/url.h"

namespace dl::pipeline {

std::string recipes_dir(const BuildOptions& o) {
  if (!o.recipes_dir.empty()) return o.recipes_dir;
  auto parent = fs::path(o.matrix_file).parent_path();
  return (parent.empty() ? fs::path(".") : parent).string() + "/recipes";
}

Result<recipe::Recipe> recipe_of(const BuildOptions& o, const matrix::Cell& cell) {
  return recipe::load_for_cell(recipes_dir(o), cell.recipe, cell);
}

namespace {

Result<pypa::Interpreter> interpreter_of(const matrix::Cell& cell, const matrix::PythonLayout& pl) {
  return pypa::Interpreter::make(pl.version, pl.abi, cell.base.glibc, cell.wheel_arch());
}

std::string layer_cache_path(const layout::Layout& l, const std::string& key) {
  return (l.root() / ".dlimage-cache" / "layers" / (key + ".json")).string();
}

std::map<std::string, std::string> cell_labels(const matrix::Cell& c, const BuildOptions& o) {
  std::map<std::string, std::string> l = {
      // What the image runs on, and which engine made its layers (digests
      // are only reproducible with an equal engine identity).
      {"io.qingcloud.dlimage.platform", c.base.os + "/" + c.base.arch},
      {"io.qingcloud.dlimage.compression", layer::compression_identity(o.compression)},
      {"io.qingcloud.dlimage.cell", c.id},
      {"io.qingcloud.dlimage.repo", c.repo},
      {"io.qingcloud.dlimage.tag", c.tags.front()},  // the primary; the others are aliases
      {"io.qingcloud.dlimage.framework", c.framework},
      {"io.qingcloud.dlimage.version", c.version},
      {"io.qingcloud.dlimage.python", c.python},
      {"io.qingcloud.dlimage.accelerator", c.accelerator.key},
      {"io.qingcloud.dlimage.accelerator.kind", c.accelerator.kind},
      {"io.qingcloud.dlimage.isa", c.isa.key},
      {"io.qingcloud.dlimage.isa.features", join(c.isa.features, " ")},
      {"io.qingcloud.dlimage.isa.rank", std::to_string(c.isa.rank)},
  };
  if (!c.accelerator.cuda.empty()) l["io.qingcloud.dlimage.cuda"] = c.accelerator.cuda;
  if (!c.accelerator.cudnn.empty()) l["io.qingcloud.dlimage.cudnn"] = c.accelerator.cudnn;
  if (!c.accelerator.rocm.empty()) l["io.qingcloud.dlimage.rocm"] = c.accelerator.rocm;
  return l;
}

// Builds (or finds in the layer cache) one layer.
Result<LayerReport> realize(BuildContext& ctx, LayerPlan& plan) {
  layer::LayerOptions lo;
  lo.compression = ctx.options().compression;
  lo.source_date_epoch = ctx.options().source_date_epoch;
  compute_key(plan, lo);
  auto& out = ctx.out();
  std::string cache_file = layer_cache_path(out, plan.key);
  if (auto cached = read_file(cache_file); cached.ok()) {
    auto j = nlohmann::json::parse(*cached, nullptr, false);
    if (!j.is_discarded()) {
      auto d = Digest::parse(j.value("digest", ""));
      if (d.ok() && out.has_blob(*d)) {
        LayerReport r;
        r.kind = plan.kind;
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
  auto content = write_layer_content(plan, *writer);
  if (!content.ok()) return content.error().wrap("layer " + plan.kind);
  DL_ASSIGN_OR_RETURN(auto info, writer->finish());
  LayerReport r;
  r.kind = plan.kind;
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

}  // namespace

namespace {

// Where an artifact is fetched from: an http(s) URL as written, or a path
// relative to --artifacts DIR|URL that stays inside it. Any other scheme
// (file://, ftp://) and absolute or ".." paths are refused.
Result<std::string> artifact_source(const std::string& url, const std::string& artifacts_root) {
  if (url.find("://") != std::string::npos) {
    DL_TRY(net::require_http_url(url, "the URL"));
    return url;
  }
  if (url.empty() || url.front() == '/')
    return invalid("absolute paths are not artifacts; expected an http(s) URL or a path relative to --artifacts");
  for (auto& part : split(url, '/'))
    if (part == "..") return invalid("'..' leads out of --artifacts; expected a path inside it");
  if (artifacts_root.empty()) return invalid("relative, and no --artifacts DIR|URL was given");
  return artifacts_root + "/" + url;
}

}  // namespace

Result<CellResult> build_cell(BuildContext& ctx, const matrix::Cell& cell) {
  const auto& o = ctx.options();
  DL_ASSIGN_OR_RETURN(auto rec, recipe_of(o, cell));
  DL_ASSIGN_OR_RETURN(auto base, ctx.base_image(cell.base.ref));
  DL_ASSIGN_OR_RETURN(auto os, plan_os_packages(ctx, cell, rec, base.manifest.layers));

  std::set<std::string> shared_roots;
  for (auto& spec : rec.wheels)
    if (spec.layer == "shared")
      if (auto req = pypa::parse_requirement(spec.requirement); req.ok()) shared_roots.insert(req->normalized_name());

  CellInputs inputs;  // for the SBOM
  for (const auto& p : os.packages) inputs.debs.push_back({p.name, p.version, p.arch, p.sha256, "build"});
  LayerPlan shared{"wheels:shared", "", "dlimage: wheels shared across images", {}, {}, "", "", {}, {}};
  LayerPlan framework{
      "wheels:framework", "", "dlimage: " + cell.framework + " " + cell.version + " wheels", {}, {}, "", "", {}, {}};
  for (auto& py : cell.pythons) {
    std::string key = wheel::lock_key(cell.ref(), py);
    auto entry = ctx.lock().environments.find(key);
    if (entry == ctx.lock().environments.end())
      return not_found(cell.ref() + ": the lock has no entry \"" + key + "\"");
    // The shared layer holds the closure of the recipe's shared requirements.
    auto shared_names = shared_closure(entry->second, shared_roots);
    DL_ASSIGN_OR_RETURN(auto fetched, wheel::fetch_locked(ctx.lock(), key, ctx.cache()));
    auto& pl = cell.python_layout(py);
    auto layout = wheel::InterpreterLayout::debian(py, pl.interpreter, pl.site_packages);
    WheelInstall s{layout, {}, {}, {}}, f{layout, {}, {}, {}};
    // Every wheel must fit the image's interpreter (tags, METADATA
    // Requires-Python) whichever way it arrived, as pip checks at install.
    DL_ASSIGN_OR_RETURN(auto interp, interpreter_of(cell, pl));
    wheel::Target target{interp, ""};
    pypa::SupportedTags supported(interp);
    std::vector<wheel::WheelContents> contents;
    for (auto& fw : fetched) {
      inputs.wheels.push_back({fw.wheel.name, fw.wheel.version, fw.wheel.filename, fw.wheel.url, fw.wheel.sha256, py});
      auto& share = shared_names.count(pypa::normalize_name(fw.wheel.name)) ? s : f;
      share.wheel_paths.push_back(fw.file.path.string());
      share.filenames.push_back(fw.wheel.filename);
      share.sha256s.push_back(fw.wheel.sha256);
      auto c = wheel::inspect_wheel(fw.file.path, fw.wheel.filename);
      if (!c.ok()) return c.error().wrap(cell.ref());
      if (auto fits = wheel::check_installable(*c, target, supported); !fits.ok())
        return fits.error().wrap(cell.ref() + " (Python " + py + ")");
      if (!o.allow_missing) contents.push_back(std::move(c).value());
    }
    if (!o.allow_missing) {
      auto complete = wheel::require_complete(contents, py);
      if (!complete.ok())
        return complete.error().wrap(cell.ref() + " (Python " + py + "; --allow-missing to build anyway)");
    }
    if (!s.wheel_paths.empty()) shared.wheels.push_back(s);
    if (!f.wheel_paths.empty()) framework.wheels.push_back(f);
  }

  std::vector<LayerPlan> plans;
  if (os.plan) plans.push_back(*os.plan);
  if (!shared.wheels.empty()) plans.push_back(shared);
  if (!framework.wheels.empty()) plans.push_back(framework);
  for (auto& a : rec.artifacts) {
    // The history line goes into the published image: no credentials in it.
    std::string shown = a.url.find("://") == std::string::npos ? a.url : net::strip_secrets(a.url);
    LayerPlan p{"artifact", "", "dlimage: artifact " + shown + " -> " + a.dest, {}, a, "", "", {}, {}};
    auto src = artifact_source(a.url, o.artifacts);
    if (!src.ok()) return src.error().wrap(cell.ref() + ": artifact '" + shown + "'");
    auto file = ctx.cache().fetch(*src, a.sha256);
    if (!file.ok()) return file.error().wrap(cell.ref() + ": artifact");
    p.artifact_path = file->path.string();
    p.artifact_sha256 = file->sha256;
    inputs.artifacts.push_back({shown, a.dest, file->sha256});
    plans.push_back(p);
  }
  if (!rec.files.empty()) plans.push_back(LayerPlan{"files", "", "dlimage: files", {}, {}, "", "", rec.files, {}});

  CellResult result;
  result.cell = cell;
  for (const auto& p : os.packages) result.os_packages.push_back(p.name + " " + p.version + " " + p.arch);
  result.acknowledged_scripts = os.acknowledged_scripts;
  image::ImageConfig config = base.config;
  config.set_created(o.source_date_epoch);
  std::vector<image::Descriptor> layers = base.manifest.layers;
  for (auto& l : base.manifest.layers) result.layers.push_back({l, "base", false, ""});
  for (auto& plan : plans) {
    auto realized = realize(ctx, plan);
    if (!realized.ok()) return realized.error().wrap(cell.ref());
    auto& rep = *realized;
    DL_ASSIGN_OR_RETURN(auto diff_id, Digest::parse(rep.diff_id));
    config.add_layer(diff_id, plan.created_by, o.source_date_epoch);
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
  for (auto& [k, v] : cell_labels(cell, o)) config.config.labels[k] = v;
  // What `dlimage plan` compares, to say why an image would change.
  config.config.labels[kRecipeDigestLabel] = recipe_fingerprint(rec);
  if (auto l = lock_fingerprint(ctx.lock(), cell.ref(), cell.pythons); !l.empty())
    config.config.labels[kLockDigestLabel] = l;

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

  // Attested (OCI only: BuildKit's index holds OCI manifests), the tags
  // go to the index attest_cell writes, not to the image manifest.
  bool attest = o.attest && o.format == image::ManifestFormat::oci;
  DL_ASSIGN_OR_RETURN(auto stored,
                      layout::store_image(ctx.out_store(), o.format, config, layers, image::oci_annotations(meta),
                                          attest ? std::vector<std::string>{} : cell.refs()));
  result.manifest = result.image = stored.manifest;
  if (attest) DL_TRY(attest_cell(ctx, cell, base, inputs, stored, result));
  result.size = std::uint64_t(stored.config.size);
  for (auto& l : layers) result.size += std::uint64_t(l.size);
  return result;
}

}  // namespace dl::pipeline
