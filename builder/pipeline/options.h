// Everything `dlimage build` can be told. Defaults are the embedded ones:
// build into an OCI layout, gzip, Docker schema 2 for pushes, OCI in layouts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "builder/attest/format.h"
#include "builder/image/descriptor.h"
#include "builder/layer/compress.h"
#include "registry/session/session.h"

namespace dl::pipeline {

struct BuildOptions {
  std::string matrix_file = "matrix.yaml";
  std::string recipes_dir;  // default: <dir of matrix_file>/recipes
  std::vector<std::string> filters;
  std::string shard = "1/1";
  std::uint64_t max_cells = 10000;  // --max-cells: bound on the expanded matrix

  std::string output_layout;                  // oci:DIR -> DIR (also the blob store for pushes)
  std::vector<std::string> base_layouts;      // --base oci:DIR (searched in order)
  std::vector<std::string> wheel_dirs;        // --wheels DIR (subdirectories are variant labels)
  std::vector<std::string> index_urls;        // --index URL (PEP 503)
  std::string artifacts;                      // base for relative artifact URLs (dir or URL)
  std::string cache_dir;                      // wheel/artifact download cache
  std::string lock_file;                      // read if present, written after resolution
  bool lock_read_only = false;                // verify: resolve in memory, never write the lock
  bool upgrade = false;                       // re-resolve every entry, ignoring locked versions
  std::vector<std::string> upgrade_packages;  // re-resolve entries, not preferring these projects' locked versions
  std::vector<std::string> upgrade_bases;     // re-pin these base references (lock "bases"; --upgrade: all)
  bool allow_missing = false;                 // skip the dependency-completeness check
  bool use_catalog = true;                    // recipes' URL catalogs (off: local/index sources only)
  bool keep_going = false;                    // a failed cell does not stop the others
  // OS packages: where the default apt sources are read (a cell whose
  // matrix and recipe name none), and the signature checker (gpgv | sqv).
  std::string etc_apt = "/etc/apt";
  std::string apt_verifier = "gpgv";

  image::ManifestFormat format = image::ManifestFormat::oci;
  // SBOM + provenance per image, attached as OCI referrers, and as
  // BuildKit's index with --attest-format buildkit
  // (builder/pipeline/attest_cell.h); --no-attest turns it off.
  bool attest = true;
  attest::Format attest_format = attest::Format::referrers;
  layer::CompressOptions compression;
  std::int64_t source_date_epoch = 0;
  std::string revision, source_url;  // org.opencontainers.image.{revision,source}

  // Base images not found in --base layouts are pulled from their registry
  // (after --mirror rewriting) into the output layout, pinned by the digest
  // they resolved to (recorded as org.opencontainers.image.base.digest).
  registry::SessionOptions registry;
};

}  // namespace dl::pipeline
