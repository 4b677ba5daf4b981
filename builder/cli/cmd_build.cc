// dlimage build: build the selected matrix cells into an OCI layout, and
// with --push publish them (pipeline::release does the work).
#include <iostream>

#include <nlohmann/json.hpp>

#include "builder/cli/build_flags.h"
#include "builder/cli/command.h"
#include "builder/cli/progress.h"
#include "builder/cli/registry_flags.h"
#include "builder/layer/compress.h"
#include "builder/pipeline/release.h"

namespace dl::cli {
namespace {

struct BuildArgs {
  pipeline::ReleaseOptions r;
  std::string format = "oci", compression = "gzip";
  bool format_given = false;
  bool timings = false, json = false, quiet = false;
};

nlohmann::ordered_json failures_json(const std::vector<pipeline::CellFailure>& fs) {
  auto a = nlohmann::ordered_json::array();
  for (auto& f : fs) a.push_back({{"image", f.cell}, {"phase", f.phase}, {"error", f.error}});
  return a;
}

nlohmann::ordered_json to_json(const pipeline::ReleaseReport& rr) {
  const auto& r = rr.build;
  nlohmann::ordered_json j;
  j["images"] = nlohmann::ordered_json::array();
  for (auto& c : r.cells) {
    int fresh = 0, reused = 0, base = 0;
    for (auto& l : c.layers) (l.kind == "base" ? base : l.built ? fresh : reused)++;
    j["images"].push_back({{"id", c.cell.id}, {"tags", c.cell.refs()}, {"digest", c.manifest.digest.str()},
                           {"size", c.size}, {"layers_new", fresh}, {"layers_reused", reused}, {"layers_base", base}});
  }
  j["dedup"] = {{"images", r.dedup.images}, {"logical_bytes", r.dedup.logical_bytes},
                {"unique_bytes", r.dedup.unique_bytes}, {"one_layer_per_image_bytes", r.dedup.one_layer_per_image_bytes}};
  j["phases"] = nlohmann::ordered_json::array();
  for (auto& p : r.phases.times()) j["phases"].push_back({{"name", p.name}, {"seconds", p.seconds}});
  if (const auto& p = rr.push)
    j["push"] = {{"cells_skipped", p->cells_skipped}, {"manifests_put", p->manifests_put},
                 {"blobs_existing", p->blobs_existing}, {"blobs_mounted", p->blobs_mounted},
                 {"blobs_uploaded", p->blobs_uploaded}, {"bytes_uploaded", p->bytes_uploaded},
                 {"check_seconds", p->check_seconds}, {"publish_seconds", p->publish_seconds}};
  j["failures"] = failures_json(rr.failures);
  return j;
}

std::string push_line(const pipeline::ReleaseReport& rr) {
  if (!rr.push) return "";
  const auto& p = *rr.push;
  size_t pushed = 0;
  for (auto& c : p.cells) pushed += !c.skipped && !c.failed;
  return "pushed: " + std::to_string(pushed) + " images (" + std::to_string(p.cells_skipped) +
         " already up to date), " + std::to_string(p.manifests_put) + " manifests, " +
         std::to_string(p.blobs_uploaded) + " blobs uploaded (" + std::to_string(p.bytes_uploaded) + " bytes), " +
         std::to_string(p.blobs_mounted) + " mounted, " + std::to_string(p.blobs_existing) + " already there\n";
}

Registration reg("build", "Build matrix images into an OCI layout", [](CLI::App& app) -> Runner {
  auto a = std::make_shared<BuildArgs>();
  auto& o = a->r.build;
  add_build_input_flags(app, o);
  app.add_option_function<std::string>(
         "--manifest-format", [a](const std::string& v) { a->format = v, a->format_given = true; },
         "docker|oci (default: oci in a layout, docker when pushing)")
      ->check(CLI::IsMember({"docker", "oci"}));
  app.add_option("--compression", a->compression, "gzip|zstd")->check(CLI::IsMember({"gzip", "zstd"}));
  app.add_option("--level", o.compression.level, "compression level (0 = default)");
  app.add_option("--threads", o.compression.threads, "compression threads (0 = all cores)");
  app.add_option("--revision", o.revision, "org.opencontainers.image.revision");
  app.add_option("--source-url", o.source_url, "org.opencontainers.image.source");
  app.add_flag("--timings", a->timings, "print the time of each phase");
  app.add_option("--report", a->r.report_file, "write a self-contained HTML report of the run");
  app.add_flag("--json", a->json, "print the result as JSON");
  app.add_flag("-q,--quiet", a->quiet, "no progress output");
  app.add_flag("--push", a->r.push, "publish every tag of every built image (as built: OCI unless --manifest-format docker)");
  app.add_flag("-k,--keep-going", o.keep_going,
               "a failed image does not stop the others; every failure is listed and the exit code is 1");
  add_registry_flags(app, o.registry);
  return [a] {
    auto& b = a->r.build;
    check(apply_build_environment(b));
    // OCI whether or not the run pushes, so a cell has one digest: Docker
    // 18.09 (the platform's hosts) pulls OCI manifests (docs/FORMATS.md).
    b.format = get(image::parse_format(a->format));
    b.compression.algorithm = get(layer::parse_compression(a->compression));
    ProgressPrinter progress(a->quiet || a->json);
    pipeline::ProgressMeter meter;
    a->r.push_progress = &meter;
    auto report = get(pipeline::release(a->r, [&](const std::string& phase, size_t done, size_t total,
                                                  const std::string& what) {
      if (phase == "push") return progress.watch(meter);  // the meter shows bytes and rate from here on
      progress.update(phase, done, total, what);
    }));
    progress.done();
    meter.set_listener({});
    if (a->json) {
      std::cout << to_json(report).dump(2) << "\n";
    } else {
      std::cout << pipeline::summary_table(report.build) << report.build.dedup.str() << "\n" << push_line(report);
      if (a->timings) std::cout << "phases:\n" << report.build.phases.report();
    }
    const auto& failures = report.failures;
    if (failures.empty()) return kExitOk;
    // One line per failure, with its cause, on stderr whatever the format.
    std::cerr << "dlimage: " << failures.size() << " image" << (failures.size() == 1 ? "" : "s") << " failed:\n";
    for (auto& f : failures) std::cerr << "  " << f.cell << " (" << f.phase << "): " << f.error << "\n";
    return kExitFailure;
  };
});

}  // namespace
}  // namespace dl::cli
