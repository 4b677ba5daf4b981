// recipes/<name>.yaml: what goes into an image. The schema is documented in
// docs/RECIPES.md. Strings may use the cell's template variables
// ({version}, {tensorflow}, {accelerator.wheel_variant}, ...); entries may
// carry `when:` conditions over the same variables. Wheel requirements are
// PEP 508 strings, so markers (python_version < "3") pick per interpreter.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/result.h"
#include "builder/apt/spec.h"
#include "builder/matrix/matrix.h"

namespace dl::recipe {

struct WheelSpec {
  std::string requirement;  // PEP 508, e.g. "tensorflow=={version}.*"
  std::string variant;      // build label: cpu, cuda9.1, rocm, avx2... ("" = any)
  std::string layer;        // "shared" (one layer for many images) or "framework"
};

struct Artifact {
  std::string url;     // http(s)://, file://, or relative to --artifacts
  std::string sha256;  // hex, required for http(s)
  std::string dest;    // directory in the image, e.g. /opt/caffe
  int strip = 0;       // leading path components to drop, like tar --strip-components
  std::string origin;  // "recipes/caffe.yaml:12:5": where the entry is, for errors found at build time
};

struct FileSpec {
  std::string src;      // path relative to the recipe file, or
  std::string content;  // inline content
  std::string dest;     // absolute path in the image
  unsigned mode = 0644;
};

// One row of a URL catalog like the user guide's TensorFlow table.
struct CatalogEntry {
  std::string name, version, python, variant, url, sha256;
};

struct Recipe {
  std::string name;
  std::string path;  // file it came from (after extends: the leaf)
  std::vector<WheelSpec> wheels;
  std::vector<Artifact> artifacts;
  std::vector<FileSpec> files;
  std::vector<std::pair<std::string, std::string>> env, labels;
  std::vector<int> ports;
  std::vector<std::string> cmd, entrypoint;
  std::string workdir;
  std::vector<CatalogEntry> catalog;
  // OS packages: the apt: sections of the cell's base, its accelerator and
  // this recipe (extends: parents first), `when:` applied (docs/APT.md).
  apt::AptSpec apt;
  std::vector<std::string> apt_allow_scripts;  // "pkg" or "pkg/script"
};

// Loads recipes/<name>.yaml from `dir`, with its `extends:` parents merged in
// first (lists append, maps override, scalars override), and renders every
// template and condition for `cell`. Errors name file:line:col.
Result<Recipe> load_for_cell(const std::string& dir, const std::string& name, const matrix::Cell& cell);

// Validates every recipe in `dir` against every cell of `m` that uses it.
Status check_all(const std::string& dir, const matrix::Matrix& m);

}  // namespace dl::recipe
