// Why an image differs from the one built before it, from the inputs it
// records (its provenance labels), for `dlimage plan`, `dlimage diff` and
// the --report of a build: the one list of reasons they all print.
//   not published        there was no image under that tag before
//   base digest changed  org.opencontainers.image.base.digest
//   lock changed         io.qingcloud.dlimage.lock.digest
//   recipe changed       io.qingcloud.dlimage.recipe.digest
// And what the last run left, to compare a build with: the output layout's
// index before the build, or a results file of `dlimage build --json`.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/result.h"

namespace dl::pipeline {

inline constexpr char kNotPublished[] = "not published";

// The recorded inputs of one image.
struct RecordedInputs {
  std::string base_ref, base_digest, lock_digest, recipe_digest;
  bool recorded() const { return !recipe_digest.empty(); }  // built by a dlimage that records inputs
};

RecordedInputs inputs_of(const std::map<std::string, std::string>& labels);

// The reasons, in the order above, an image built from `now` differs from
// one built from `then`; empty when every recorded input is the same. A
// base reference of "" is scratch; another base reference is "base image
// changed (A -> B)" instead of a digest change. `recipe` names the recipe
// in the message ("" = not known, as in `dlimage diff`). A `now` lock
// digest of "" is not compared (the caller knows better: no wheels, or
// not in the lock).
std::vector<std::string> input_changes(const RecordedInputs& then, const RecordedInputs& now,
                                       const std::string& recipe);

// One image of the previous run, by its primary tag.
struct PreviousImage {
  std::string digest;
  RecordedInputs inputs;
};
struct PreviousRun {
  std::string source;                           // "layout DIR" or the results file
  std::map<std::string, PreviousImage> images;  // matrix reference ("repo:tag") -> image
};

// The layout's images before this run ("" source and no images when the
// layout does not exist yet).
Result<PreviousRun> previous_from_layout(const std::string& dir);
// A results file (schema 1) of an earlier `dlimage build --json`.
Result<PreviousRun> previous_from_results(const std::string& path);

// What changed for an image now at `digest` with `now` inputs, in words:
// "unchanged", or the reasons (never empty for a changed digest).
std::vector<std::string> changes_since(const PreviousRun& prev, const std::string& ref, const std::string& digest,
                                       const RecordedInputs& now, const std::string& recipe);

}  // namespace dl::pipeline
