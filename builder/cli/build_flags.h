// The inputs of a build, shared by `build` and `verify` (which rebuilds from
// the layer cache to know each cell's digest).
#pragma once

#include <CLI/CLI.hpp>

#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "base/result.h"
#include "builder/cli/value_checks.h"
#include "builder/pipeline/options.h"

namespace dl::cli {

// A timestamp as reproducible-builds.org defines SOURCE_DATE_EPOCH: decimal
// seconds since 1970, nothing else ("abc", "12x" and "-1" are errors).
inline Result<std::int64_t> parse_epoch(std::string_view text, std::string_view what) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v < 0)
    return invalid(std::string(what) + "='" + std::string(text) +
                   "': expected a non-negative integer (seconds since 1970-01-01)");
  return v;
}

// What wheel resolution reads: shared by build, verify and lock.
inline void add_wheel_input_flags(CLI::App& app, pipeline::BuildOptions& o) {
  app.add_option("-m,--matrix", o.matrix_file, "matrix file")->capture_default_str();
  app.add_option("--recipes", o.recipes_dir, "recipes directory (default: next to the matrix)");
  check_selection_flags(
      app.add_option("--filter", o.filters,
                     "KEY=VALUE (repo framework version python accelerator isa tag); repeatable"),
      app.add_option("--shard", o.shard, "I/N: this run's deterministic share of the matrix"),
      app.add_option("--max-cells", o.max_cells, "refuse a matrix that expands to more cells than this")
          ->capture_default_str());
  app.add_option("--wheels", o.wheel_dirs, "wheelhouse DIR (subdirectories = variant labels); repeatable")
      ->allow_extra_args(false);
  app.add_option("--index", o.index_urls,
                 "PEP 503/691 index URL, or LABEL=URL for one build variant's index; repeatable")
      ->allow_extra_args(false);
  app.add_option("--cache", o.cache_dir, "download cache (default ~/.cache/dlimage)");
  app.add_flag(
      "--no-catalog", [&o](std::int64_t) { o.use_catalog = false; }, "ignore the recipes' URL catalogs");
}

inline void add_upgrade_flags(CLI::App& app, pipeline::BuildOptions& o) {
  app.add_flag("--upgrade", o.upgrade,
               "re-resolve every lock entry without preferring locked versions, and re-pin every base");
  app.add_option("--upgrade-package", o.upgrade_packages,
                 "re-resolve, letting NAME move off its locked version; repeatable")
      ->allow_extra_args(false);
  app.add_option("--upgrade-base", o.upgrade_bases,
                 "re-pin base REF (as the matrix names it) to the digest it names now; repeatable")
      ->allow_extra_args(false);
}

inline void add_build_input_flags(CLI::App& app, pipeline::BuildOptions& o) {
  add_wheel_input_flags(app, o);
  app.add_option("--output,-o", o.output_layout, "oci:DIR: the images (and the layer cache)")->required();
  app.add_option("--base", o.base_layouts, "oci:DIR holding base images under their references; repeatable");
  app.add_option("--artifacts", o.artifacts, "DIR or URL that relative artifact URLs resolve against");
  app.add_option("--lock", o.lock_file, "wheel lock: read if present, written after resolution");
  // OS packages (docs/APT.md): where sources come from when the matrix names none, and who checks InRelease.
  app.add_option("--etc-apt", o.etc_apt, "apt configuration directory for apt: sections without sources")
      ->capture_default_str();
  app.add_option("--apt-verifier", o.apt_verifier, "apt signature checker: gpgv or sqv")
      ->check(CLI::IsMember({"gpgv", "sqv"}))
      ->capture_default_str();
  app.add_flag("--allow-missing", o.allow_missing, "build even when a Requires-Dist is not satisfied");
  app.add_option("--source-date-epoch", o.source_date_epoch,
                 "timestamp for every file and history entry (default $SOURCE_DATE_EPOCH)")
      ->check([](const std::string& v) {
        auto e = parse_epoch(v, "--source-date-epoch");
        return e.ok() ? std::string() : e.error().message();
      });
  // Part of every image (labels, provenance): verify must be told them too.
  app.add_option("--revision", o.revision, "source revision: org.opencontainers.image.revision and the provenance");
  app.add_option("--source-url", o.source_url, "org.opencontainers.image.source and the provenance");
  app.add_flag_callback(
      "--no-attest", [&o] { o.attest = false; }, "no SBOM/provenance (no referrers, no BuildKit index)");
  app.add_option_function<std::string>(
         "--attest-format",
         [&o](const std::string& v) {
           auto f = attest::parse_format(v);
           if (f.ok()) o.attest_format = *f;
         },
         "referrers (default: tags point at the image, SBOM/provenance are OCI referrers) or buildkit "
         "(tags point at BuildKit's index of image + attestation manifest, as `docker buildx --attest` writes)")
      ->check([](const std::string& v) {
        auto f = attest::parse_format(v);
        return f.ok() ? std::string() : f.error().message();
      });
}

// What the environment adds to the flags; build and verify must agree on it,
// or verify would expect other digests than build made. A malformed value
// stands for a malformed flag: callers report it as a usage error (exit 2).
inline Status apply_build_environment(pipeline::BuildOptions& o) {
  if (const char* e = std::getenv("SOURCE_DATE_EPOCH"); e && o.source_date_epoch == 0) {
    DL_ASSIGN_OR_RETURN(o.source_date_epoch, parse_epoch(e, "SOURCE_DATE_EPOCH"));
  }
  return {};
}

}  // namespace dl::cli
