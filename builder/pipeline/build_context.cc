#include <algorithm>
#include <cstdlib>

#include "base/fs.h"
#include "base/strings.h"
#include "base/verified.h"
#include "builder/copy/copy.h"
#include "builder/layout/layout.h"
#include "builder/layout/store_image.h"
#include "builder/matrix/matrix.h"
#include "builder/pipeline/cell_builder.h"
#include "registry/client/registry_store.h"
#include "registry/reference/reference.h"
#include "registry/session/session.h"

namespace dl::pipeline {

std::vector<std::string> base_layout_names(const std::string& ref) {
  std::vector<std::string> names = {ref};
  std::string path = ref, tag = "latest";
  auto slash = ref.rfind('/');
  auto colon = ref.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
    path = ref.substr(0, colon);
    tag = ref.substr(colon + 1);
  }
  if (path.find('/') == std::string::npos)
    names.push_back("docker.io/library/" + path + ":" + tag);
  else if (path.find('.') == std::string::npos && path.find(':') == std::string::npos)
    names.push_back("docker.io/" + path + ":" + tag);
  names.push_back(tag);
  return names;
}

Result<std::unique_ptr<BuildContext>> BuildContext::create(const BuildOptions& opts, registry::LazySession& r) {
  std::unique_ptr<BuildContext> ctx(new BuildContext(opts, r));
  if (opts.output_layout.empty()) return invalid("no output: expected --output oci:DIR");
  DL_ASSIGN_OR_RETURN(auto out, layout::Layout::open_or_create(layout::layout_dir(opts.output_layout)));
  int jobs = opts.registry.jobs;
  ctx->out_ = std::make_unique<layout::LayoutStore>(std::move(out), jobs);
  // What the last build of this layout hashed and found right: an unchanged
  // rebuild hashes no layer and no wheel again (base/verified.h).
  load_verified(ctx->verified_file());
  for (auto& b : opts.base_layouts) {
    auto l = layout::Layout::open(layout::layout_dir(b));
    if (!l.ok()) return l.error().wrap("--base " + b);
    ctx->bases_.push_back(std::make_unique<layout::LayoutStore>(std::move(l).value(), jobs));
  }
  std::string cache = opts.cache_dir.empty() ? wheel::default_cache_dir() : opts.cache_dir;
  DL_TRY(ensure_dir(cache));
  ctx->http_ = std::make_unique<net::HttpClient>(registry::transport_options(opts.registry));
  ctx->cache_ = std::make_unique<wheel::WheelCache>(cache, ctx->http_.get());
  // Downloads from an index or artifact origin carry that origin's
  // credentials (scoped to its host:port), never anyone else's.
  for (auto& url : opts.index_urls) ctx->cache_->add_origin_credentials(url);
  ctx->cache_->add_origin_credentials(opts.artifacts);
  if (!opts.lock_file.empty() && fs::exists(opts.lock_file)) {
    DL_ASSIGN_OR_RETURN(ctx->lock_, wheel::load_lock(opts.lock_file));
    DL_ASSIGN_OR_RETURN(ctx->apt_locked_, apt::parse_apt_lock(ctx->lock_.apt, opts.lock_file));
  }
  return ctx;
}

std::string BuildContext::verified_file() const {
  return (out_->layout().root() / ".dlimage-cache" / "verified").string();
}

Result<layout::StoredImage> BuildContext::base_image(const std::string& ref) {
  if (auto it = base_cache_.find(ref); it != base_cache_.end()) return it->second;
  if (ref == matrix::kScratch) {
    // No layers; what a container needs to start is the OS-package layer's.
    layout::StoredImage empty;
    empty.config.config.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
    return base_cache_[ref] = empty;
  }
  auto parsed = registry::parse_reference(ref);
  // Copied into the output under this tag, so the layout names every blob
  // its manifests reference and a later GC keeps them.
  std::string tag = "base/" + (parsed.ok() ? parsed->str() : ref);
  std::vector<store::ImageStore*> search;
  for (auto& b : bases_) search.push_back(b.get());
  search.push_back(out_.get());
  for (auto* s : search) {
    for (auto& name : base_layout_names(ref)) {
      if (!s->head_manifest(name).ok()) continue;
      DL_TRY(pin_base(ref, *s, name));
      DL_ASSIGN_OR_RETURN(base_cache_[ref], copy_base(*s, name, tag));
      return base_cache_[ref];
    }
  }
  // Not in a layout: pull it from its registry (mirrors apply) into the
  // output layout, byte for byte, so its digest is the registry's.
  if (!parsed.ok()) return parsed.error().wrap("base image");
  auto session = registry_.get();
  if (!session.ok()) return session.error().wrap("base image " + ref);
  registry::RegistryStore remote((*session)->client(), (*session)->hosts().for_pull(*parsed));
  if (auto pinned = pin_base(ref, remote, parsed->identifier());
      !pinned.ok() && pinned.error().kind() == ErrorKind::integrity)
    return pinned.error();
  auto pulled = copy_base(remote, parsed->identifier(), tag);
  if (!pulled.ok()) {
    std::string where;
    for (auto& b : opts_.base_layouts) where += (where.empty() ? "" : ", ") + b;
    return pulled.error().wrap("base image " + ref + " is in no --base layout" +
                               (where.empty() ? "" : " (" + where + ")") + " and could not be pulled");
  }
  base_cache_[ref] = *pulled;
  return *pulled;
}

// Checked at the source, before anything is copied: a moved base leaves
// the output layout as it was.
Status BuildContext::pin_base(const std::string& ref, store::ImageStore& from, const std::string& name) {
  DL_ASSIGN_OR_RETURN(auto digest, platform_manifest_digest(from, name));
  DL_TRY(check_base_pin(lock_, opts_, ref, digest, from.name()));
  Pins fresh;
  fresh.bases[ref] = {digest, kBasePlatform};
  merge_pins(lock_, fresh, &pinned_);
  return {};
}

Result<layout::StoredImage> BuildContext::copy_base(store::ImageStore& from, const std::string& name,
                                                    const std::string& tag) {
  if (&from != out_.get()) DL_TRY(copy::copy_image(from, name, *out_, tag));
  auto img = layout::read_image(*out_, &from == out_.get() ? name : tag);
  if (!img.ok()) return img.error().wrap("base image " + from.name() + ":" + name);
  return img;
}

Result<std::shared_ptr<const wheel::WheelContents>> BuildContext::inspect(const wheel::FetchedWheel& w) {
  // The cache file is named by its sha256; the real name is part of the key
  // because every message (and the installed RECORD) is named after it.
  std::string key = w.wheel.sha256 + " " + w.wheel.filename;
  if (auto it = inspected_.find(key); it != inspected_.end()) return it->second;
  DL_ASSIGN_OR_RETURN(auto c, wheel::inspect_wheel(w.file.path, w.wheel.filename));
  auto shared = std::make_shared<const wheel::WheelContents>(std::move(c));
  inspected_[key] = shared;
  return shared;
}

}  // namespace dl::pipeline
