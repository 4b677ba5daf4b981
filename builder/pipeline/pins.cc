#include "builder/pipeline/pins.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <tuple>

#include "base/strings.h"
#include "builder/layout/layout.h"
#include "builder/layout/store_image.h"
#include "builder/pipeline/cell_builder.h"
#include "net/url.h"
#include "registry/client/registry_store.h"
#include "registry/reference/reference.h"

namespace dl::pipeline {

namespace {

bool is_http(const std::string& s) { return starts_with(s, "http://") || starts_with(s, "https://"); }

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

bool upgrading_base(const BuildOptions& o, const std::string& ref) {
  return o.upgrade || std::find(o.upgrade_bases.begin(), o.upgrade_bases.end(), ref) != o.upgrade_bases.end();
}

Status check_upgrade_bases(const BuildOptions& o, const std::vector<matrix::Cell>& all) {
  std::set<std::string> refs;
  for (auto& c : all)
    if (!c.base.scratch()) refs.insert(c.base.ref);
  for (auto& u : o.upgrade_bases) {
    if (refs.count(u)) continue;
    std::string near = nearest(u, {refs.begin(), refs.end()});
    return invalid(
        "--upgrade-base " + u + ": no image of the matrix is built on it" +
        (near.empty() ? "; expected a base reference as the matrix names it" : "; did you mean " + near + "?"));
  }
  return {};
}

Status check_base_pin(const wheel::Lock& lock, const BuildOptions& o, const std::string& ref, const std::string& digest,
                      const std::string& where) {
  auto it = lock.bases.find(ref);
  if (it == lock.bases.end() || it->second.digest == digest || upgrading_base(o, ref)) return {};
  return Error(ErrorKind::integrity, wheel::base_moved_message(ref, it->second.digest, digest, where));
}

Result<std::string> platform_manifest_digest(store::ImageStore& store, const std::string& name) {
  DL_ASSIGN_OR_RETURN(auto img, layout::read_image(store, name));
  return img.manifest_descriptor.digest.str();
}

BaseDigests::BaseDigests(const BuildOptions& o, registry::LazySession& s) : session_(s) {
  for (auto& b : o.base_layouts) {
    auto l = layout::Layout::open(layout::layout_dir(b));
    if (l.ok()) layouts_.push_back(std::make_unique<layout::LayoutStore>(std::move(*l)));
  }
}

Result<BaseDigests::Found> BaseDigests::of(const std::string& ref) {
  if (auto it = known_.find(ref); it != known_.end()) return it->second;
  for (auto& l : layouts_)
    for (auto& name : base_layout_names(ref))
      if (l->head_manifest(name).ok()) {
        DL_ASSIGN_OR_RETURN(auto d, platform_manifest_digest(*l, name));
        return known_[ref] = {d, l->name()};
      }
  DL_ASSIGN_OR_RETURN(auto parsed, registry::parse_reference(ref));
  DL_ASSIGN_OR_RETURN(registry::Session * s, session_.get());
  registry::RegistryStore remote(s->client(), s->hosts().for_pull(parsed));
  auto d = platform_manifest_digest(remote, parsed.identifier());
  if (!d.ok()) return d.error().wrap("base image " + ref + " is in no --base layout and its registry");
  return known_[ref] = {*d, remote.name()};
}

Result<std::vector<std::string>> pin_bases(wheel::Lock& lock, const BuildOptions& o,
                                           const std::vector<matrix::Cell>& cells, BaseDigests& bases) {
  std::vector<std::string> changed;
  std::set<std::string> seen;
  for (auto& c : cells) {
    const std::string& ref = c.base.ref;
    if (c.base.scratch() || !seen.insert(ref).second) continue;
    // Pinned stays pinned without asking anyone, as a wheel's locked
    // version does: the build checks the pin where it finds the base.
    if (lock.bases.count(ref) && !upgrading_base(o, ref)) continue;
    DL_ASSIGN_OR_RETURN(auto now, bases.of(ref));
    wheel::LockedBase pin{now.digest, kBasePlatform};
    auto it = lock.bases.find(ref);
    if (it != lock.bases.end() && it->second == pin) continue;
    lock.bases[ref] = pin;
    changed.push_back(ref);
  }
  return changed;
}

Result<std::vector<FetchedArtifact>> fetch_artifacts(const matrix::Cell& cell, const recipe::Recipe& rec,
                                                     const BuildOptions& o, wheel::WheelCache& cache) {
  std::vector<FetchedArtifact> out;
  for (auto& a : rec.artifacts) {
    // The history line goes into the published image: no credentials in it.
    std::string shown = a.url.find("://") == std::string::npos ? a.url : net::strip_secrets(a.url);
    auto src = artifact_source(a.url, o.artifacts);
    if (!src.ok()) return src.error().wrap(cell.ref() + ": artifact '" + shown + "'");
    bool remote = is_http(*src);
    if (remote && a.sha256.empty())
      return invalid((a.origin.empty() ? "" : a.origin + ": ") + "artifact '" + shown + "' is downloaded from " +
                     net::strip_secrets(*src) + " and has no sha256; expected `sha256:` with its 64 hex digits");
    auto file = cache.fetch(*src, a.sha256);
    if (!file.ok()) return file.error().wrap(cell.ref() + ": artifact");
    out.push_back({a, shown, std::move(*file), remote ? wheel::lock_url(*src) : ""});
  }
  return out;
}

std::vector<wheel::LockedArtifact> locked_artifacts(const std::vector<FetchedArtifact>& fetched) {
  std::vector<wheel::LockedArtifact> out;
  for (auto& f : fetched)
    if (!f.locked_url.empty()) out.push_back({f.artifact.dest, f.locked_url, f.file.sha256, f.file.size});
  std::sort(out.begin(), out.end(), [](const wheel::LockedArtifact& a, const wheel::LockedArtifact& b) {
    return std::tie(a.dest, a.url, a.sha256) < std::tie(b.dest, b.url, b.sha256);
  });
  return out;
}

void merge_pins(wheel::Lock& lock, const Pins& fresh, Pins* changed) {
  for (auto& [ref, b] : fresh.bases) {
    auto it = lock.bases.find(ref);
    if (it != lock.bases.end() && it->second == b) continue;
    lock.bases[ref] = b;
    if (changed) changed->bases[ref] = b;
  }
  for (auto& [ref, list] : fresh.artifacts) {
    auto it = lock.artifacts.find(ref);
    bool same = it == lock.artifacts.end() ? list.empty() : it->second == list;
    if (same) continue;
    if (list.empty())
      lock.artifacts.erase(ref);
    else
      lock.artifacts[ref] = list;
    if (changed) changed->artifacts[ref] = list;
  }
}

Result<bool> write_pins(const BuildOptions& o, const Pins& changed, const std::vector<matrix::Cell>& all) {
  if (o.lock_file.empty() || o.lock_read_only) return false;
  std::error_code ec;
  if (changed.empty() && !std::filesystem::exists(o.lock_file, ec)) return false;
  std::set<std::string> bases, images;
  for (auto& c : all) {
    bases.insert(c.base.ref);
    images.insert(c.ref());
  }
  bool written = false;
  DL_TRY(wheel::update_lock(o.lock_file, [&](wheel::Lock& disk) -> Status {
    wheel::Lock before = disk;
    merge_pins(disk, changed, nullptr);
    std::erase_if(disk.bases, [&](auto& kv) { return !bases.count(kv.first); });
    std::erase_if(disk.artifacts, [&](auto& kv) { return !images.count(kv.first); });
    written = !(disk == before);
    return {};
  }));
  return written;
}

}  // namespace dl::pipeline
