// Turns a cell's content into layers: OS packages (.debs unpacked over the
// base's tree, dpkg database merged), wheels installed straight into a tar
// stream (no files on disk), artifact tarballs re-packed under their
// destination, and small files. Each layer is identified by a key computed
// from its inputs only, so the layer cache can skip rebuilding it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "builder/deb/installer.h"
#include "builder/layer/layer_writer.h"
#include "builder/recipe/recipe.h"
#include "builder/wheel/install.h"
#include "builder/wheel/wheel_archive.h"

namespace dl::pipeline {

// One interpreter's share of a wheel layer.
struct WheelInstall {
  wheel::InterpreterLayout layout;
  std::vector<std::string> wheel_paths;  // files in the wheel cache
  std::vector<std::string> filenames;    // their real names (cache files are named by digest)
  std::vector<std::string> sha256s;
};

// The OS-package layer: what the layers below it leave (paths and dpkg
// state) and the .debs to install over it.
struct DebInstall {
  std::shared_ptr<const deb::BaseTree> base;
  std::string base_key;               // digests of the layers below: the base's identity
  std::vector<deb::DebPackage> debs;  // files in the download cache, named by URL
  std::vector<std::string> sha256s;
  deb::InstallOptions options;
};

struct LayerPlan {
  std::string kind;        // "os-packages", "wheels:shared", "wheels:framework", "artifact", "files"
  std::string key;         // sha256 of every input; equal keys = identical layer
  std::string created_by;  // history line
  std::vector<WheelInstall> wheels;
  recipe::Artifact artifact;
  std::string artifact_path;  // local tarball for `artifact`
  std::string artifact_sha256;
  std::vector<recipe::FileSpec> files;
  std::shared_ptr<const DebInstall> debs;  // kind "os-packages"
};

// Fills `plan.key` from its inputs and the layer options that shape bytes.
void compute_key(LayerPlan& plan, const layer::LayerOptions& opts);

// Streams the plan's content into `w`.
Status write_layer_content(const LayerPlan& plan, layer::LayerWriter& w);

}  // namespace dl::pipeline
