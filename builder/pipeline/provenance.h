// Fingerprints of what a cell is built from, recorded as labels on every
// image config, so `dlimage plan` can say why an image would change without
// building it: the rendered recipe and the cell's lock entries (the base
// digest is org.opencontainers.image.base.digest already).
#pragma once

#include <string>

#include "builder/recipe/recipe.h"
#include "builder/wheel/lock.h"

namespace dl::pipeline {

inline constexpr char kRecipeDigestLabel[] = "io.qingcloud.dlimage.recipe.digest";
inline constexpr char kLockDigestLabel[] = "io.qingcloud.dlimage.lock.digest";

// sha256 of the recipe as rendered for one cell (wheels, artifacts, files,
// env, labels, ports, cmd, entrypoint, workdir, OS package names).
std::string recipe_fingerprint(const recipe::Recipe& r);

// sha256 of the lock entries of `cell_ref` for each of its Pythons, in the
// lock's canonical form; "" when the lock has none of them.
std::string lock_fingerprint(const wheel::Lock& lock, const std::string& cell_ref,
                             const std::vector<std::string>& pythons);

}  // namespace dl::pipeline
