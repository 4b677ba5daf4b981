// Turns a cell's content into layers: OS packages (.debs unpacked over the
// base's tree, dpkg database merged), wheels installed straight into a tar
// stream (no files on disk), artifact tarballs re-packed under their
// destination, and small files. A LayerPlan is one of these alternatives,
// each identified by a key computed from its inputs only, so the layer cache
// can skip rebuilding it.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "base/result.h"
#include "builder/deb/installer.h"
#include "builder/layer/layer_writer.h"
#include "builder/recipe/recipe.h"
#include "builder/wheel/install.h"
#include "builder/wheel/wheel_archive.h"

namespace dl::pipeline {

// One interpreter's share of a wheel layer: the wheels as inspected once
// by the plan (zip directory read, names and RECORD cross-checked), handed
// to the installer as they are.
struct WheelInstall {
  wheel::InterpreterLayout layout;
  std::vector<std::shared_ptr<const wheel::WheelContents>> wheels;  // files in the wheel cache
  std::vector<std::string> sha256s;                                 // of each file, as locked
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

// The alternatives of a layer. Each owns both halves of the layer cache's
// contract: hash() feeds every input that shapes its bytes into the key,
// write() streams exactly those inputs, so key and content cannot drift.
using KeyPut = std::function<void(const std::string&)>;

struct OsPackagesLayer {
  std::shared_ptr<const DebInstall> debs;
  std::string created_by;
  std::string kind() const { return "os-packages"; }
  void hash(const KeyPut& put) const;
  Status write(layer::LayerWriter& w) const;
};

struct WheelsLayer {
  bool shared = false;  // "wheels:shared" (one layer for many images), else "wheels:framework"
  std::string created_by;
  std::vector<WheelInstall> installs;  // one per Python
  std::string kind() const { return shared ? "wheels:shared" : "wheels:framework"; }
  void hash(const KeyPut& put) const;
  Status write(layer::LayerWriter& w) const;
};

struct ArtifactLayer {
  recipe::Artifact artifact;
  std::string shown;   // the URL without credentials: what history and errors say
  std::string path;    // the tarball in the download cache
  std::string sha256;  // of that tarball
  std::string kind() const { return "artifact"; }
  std::string created_by() const { return "dlimage: artifact " + shown + " -> " + artifact.dest; }
  void hash(const KeyPut& put) const;
  Status write(layer::LayerWriter& w) const;
};

struct FilesLayer {
  struct File {
    recipe::FileSpec spec;
    std::string data;  // inline content, or the src file read once
  };
  std::vector<File> files;
  // Reads every src file now: the key hashes what write() writes.
  static Result<FilesLayer> make(const std::vector<recipe::FileSpec>& specs);
  std::string kind() const { return "files"; }
  std::string created_by() const { return "dlimage: files"; }
  void hash(const KeyPut& put) const;
  Status write(layer::LayerWriter& w) const;
};

struct LayerPlan {
  std::variant<OsPackagesLayer, WheelsLayer, ArtifactLayer, FilesLayer> content;

  std::string kind() const;        // "os-packages", "wheels:shared", "wheels:framework", "artifact", "files"
  std::string created_by() const;  // history line
  // sha256 of the alternative's inputs and of the layer options that shape
  // its bytes; equal keys = identical layer.
  std::string key(const layer::LayerOptions& opts) const;
  // Streams the content into `w`.
  Status write(layer::LayerWriter& w) const;
};

}  // namespace dl::pipeline
