// Fingerprints of what a cell is built from, recorded as labels on every
// image config (image_labels.h), so `dlimage plan` can say why an image
// would change without building it: the rendered recipe and the cell's lock
// entries (the base digest is org.opencontainers.image.base.digest already).
// The SLSA provenance (attest_cell.h) records the same lock digest.
#pragma once

#include <string>

#include "base/sha256.h"
#include "builder/pipeline/image_labels.h"
#include "builder/recipe/recipe.h"
#include "builder/wheel/lock.h"

namespace dl::pipeline {

// sha256 of the recipe as rendered for one cell (wheels, artifacts, files,
// env, labels, ports, cmd, entrypoint, workdir, OS package names).
std::string recipe_fingerprint(const recipe::Recipe& r);

// sha256 of the lock entries of `cell_ref` for each of its Pythons and its
// OS-package entry, in the lock's canonical form: another cell's change in
// the same file leaves this image alone.
struct LockFingerprint {
  Digest digest;                                                   // the SLSA provenance's lock digest
  bool empty = true;                                               // the lock has none of the cell's entries
  std::string label() const { return empty ? "" : digest.str(); }  // the lock.digest label
};
LockFingerprint lock_fingerprint(const wheel::Lock& lock, const std::string& cell_ref,
                                 const std::vector<std::string>& pythons);

}  // namespace dl::pipeline
