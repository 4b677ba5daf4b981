// "An image that is published must run": every Python a cell declares must
// exist in the image's final tree (base layers + OS packages + artifacts +
// files, whiteouts applied, symlinks followed inside the tree only) and be
// that Python version. Checked before the manifest is written, so a cell
// whose base lacks its interpreter fails the build instead of shipping.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "builder/image/descriptor.h"
#include "builder/layout/layout.h"
#include "builder/matrix/matrix.h"

namespace dl::pipeline {

struct TreeLayer {
  image::Descriptor descriptor;
  bool scan = true;   // false: cannot hold an interpreter (wheel layers: site-packages and scripts only)
  bool base = false;  // one of the base image's layers (scanned once for every cell on it)
};

// Errors read "<ref>: Python <v> interpreter <path> <problem> (base <ref>)".
// Base stacks are scanned once per process and remembered by digest chain.
Status verify_interpreters(const layout::Layout& layout, const matrix::Cell& cell,
                           const std::vector<TreeLayer>& layers);

// The version a resolved interpreter file name carries: "python3.11" ->
// "3.11", "python2.7" -> "2.7", "python3.6m" -> "3.6"; "" when none.
std::string interpreter_version(const std::string& file_name);

}  // namespace dl::pipeline
