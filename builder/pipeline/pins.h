// What the lock pins besides wheels and OS packages (wheel/lock.h): the
// base images ("bases") and the remote artifacts ("artifacts").
//
// Base images, by the lock's "bases" object: which
// manifest a base reference names now, where it was found, and whether
// that agrees with the lock. One lookup for build, plan and lock:
// --base layouts first (under the names base_layout_names() gives), then
// the reference's registry. The digest is the image manifest's for
// kBasePlatform, the one org.opencontainers.image.base.digest records, so
// an index base and a single-manifest base compare the same way.
//
// A lock entry is authoritative: a base whose reference now names another
// manifest is refused with one line naming the base, both digests and
// `dlimage lock --upgrade-base REF`; --upgrade and --upgrade-base REF
// re-pin instead. A base the lock does not name is pinned by the first
// `dlimage lock` or build that sees it.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "builder/layout/layout_store.h"
#include "builder/matrix/matrix.h"
#include "builder/pipeline/options.h"
#include "builder/recipe/recipe.h"
#include "builder/wheel/cache.h"
#include "builder/wheel/lock.h"
#include "registry/session/session.h"
#include "registry/store/store.h"

namespace dl::pipeline {

inline constexpr char kBasePlatform[] = "linux/amd64";

// --upgrade, or --upgrade-base naming `ref`: the lock's pin is replaced.
bool upgrading_base(const BuildOptions& o, const std::string& ref);

// Every --upgrade-base names a base of the matrix (else the nearest one is
// suggested): a typo must not silently upgrade nothing.
Status check_upgrade_bases(const BuildOptions& o, const std::vector<matrix::Cell>& all);

// Checks a base found at `where` with manifest `digest` against the lock:
// ok when the lock has no entry, the same digest, or the base is being
// upgraded; else the one-line error (wheel::base_moved_message).
Status check_base_pin(const wheel::Lock& lock, const BuildOptions& o, const std::string& ref, const std::string& digest,
                      const std::string& where);

// The manifest digest `name` resolves to in `store` for kBasePlatform
// (through an index if it names one).
Result<std::string> platform_manifest_digest(store::ImageStore& store, const std::string& name);

// The digest each base reference names now, asked once per base (plan, lock).
class BaseDigests {
 public:
  BaseDigests(const BuildOptions& o, registry::LazySession& s);
  struct Found {
    std::string digest;
    std::string where;  // "oci:DIR" or "docker://HOST/REPO"
  };
  Result<Found> of(const std::string& ref);

 private:
  registry::LazySession& session_;
  std::vector<std::unique_ptr<layout::LayoutStore>> layouts_;
  std::map<std::string, Found> known_;
};

// `dlimage lock`: pins the bases of `cells` into `lock` (those not pinned
// yet, and those being upgraded; a pinned one is kept without a lookup, as
// a locked wheel is). Returns the references whose entry changed.
Result<std::vector<std::string>> pin_bases(wheel::Lock& lock, const BuildOptions& o,
                                           const std::vector<matrix::Cell>& cells, BaseDigests& bases);

// Remote artifacts. A recipe's artifact is fetched into the download cache,
// which is content-addressed (<cache>/sha256/<hex>): with the sha256 the
// recipe declares, a cached copy is used without any download. An artifact
// that is downloaded (an http(s) URL, or a path relative to an http(s)
// --artifacts) must declare its sha256; the error names the recipe entry's
// file:line:col. Each downloaded one is recorded in the lock under the
// image's reference: URL without credentials (lock_url), sha256, size.
struct FetchedArtifact {
  recipe::Artifact artifact;
  std::string shown;  // the URL without credentials: what history and errors say
  wheel::CachedFile file;
  std::string locked_url;  // downloaded: lock_url() of its source, recorded in the lock ("" = a local file)
};
Result<std::vector<FetchedArtifact>> fetch_artifacts(const matrix::Cell& cell, const recipe::Recipe& rec,
                                                     const BuildOptions& o, wheel::WheelCache& cache);
// The lock entry for an image's fetched artifacts (the remote ones), sorted.
std::vector<wheel::LockedArtifact> locked_artifacts(const std::vector<FetchedArtifact>& fetched);

// Pins a run made anew, merged into the lock file under its flock; bases
// and artifact entries the matrix (`all`) no longer has are pruned. An
// empty artifact list removes the image's entry.
struct Pins {
  std::map<std::string, wheel::LockedBase> bases;
  std::map<std::string, std::vector<wheel::LockedArtifact>> artifacts;
  bool empty() const { return bases.empty() && artifacts.empty(); }
};
// Records `fresh` into `lock` (in memory): what changed goes into `changed`.
void merge_pins(wheel::Lock& lock, const Pins& fresh, Pins* changed);
// Writes `changed` (merge_pins) to o.lock_file unless it is read-only or
// absent; returns whether the file was written.
Result<bool> write_pins(const BuildOptions& o, const Pins& changed, const std::vector<matrix::Cell>& all);

}  // namespace dl::pipeline
