// The cell <-> image label mapping (io.qingcloud.dlimage.*), in one place:
// one table of fields drives both directions. The builder writes
// labels_of() on every image config; `resolve --from` (published.h), `plan`
// and `diff` read them back with from_labels(), so the schema cannot be
// written one way and read another.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "builder/matrix/matrix.h"

namespace dl::pipeline {

inline constexpr char kLabelPrefix[] = "io.qingcloud.dlimage.";
inline constexpr char kRecipeDigestLabel[] = "io.qingcloud.dlimage.recipe.digest";
inline constexpr char kLockDigestLabel[] = "io.qingcloud.dlimage.lock.digest";

// What an image's labels say: the cell it was built for and the recorded
// inputs `plan` and `diff` compare.
struct LabelledImage {
  // Read back: id, framework, version, python(s), accelerator, isa,
  // base.os/arch (the platform label). repo and the aliases live in the
  // registry, not in the labels; `primary_tag` is the tag label.
  matrix::Cell cell;
  std::string primary_tag;
  std::string compression;    // layer::compression_identity of the layers
  std::string recipe_digest;  // provenance.h recipe_fingerprint
  std::string lock_digest;    // provenance.h lock_fingerprint ("" = nothing locked)
};

// The labels of `img` (cell.tags.front() when primary_tag is empty).
std::map<std::string, std::string> labels_of(const LabelledImage& img);

// The image these labels describe; nullopt for an image dlimage did not
// build (no cell label). Images from before the rank label rank by their
// feature count.
std::optional<LabelledImage> from_labels(const std::map<std::string, std::string>& labels);

// Every label key the table writes, prefixed (for docs and tests).
std::vector<std::string> label_keys();

}  // namespace dl::pipeline
