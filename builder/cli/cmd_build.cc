// dlimage build: build the selected matrix cells into an OCI layout.
#include <iostream>

#include <nlohmann/json.hpp>

#include "builder/cli/build_flags.h"
#include "builder/cli/command.h"
#include "builder/cli/progress.h"
#include "builder/cli/registry_flags.h"
#include "builder/copy/session.h"
#include "builder/layer/compress.h"
#include "builder/pipeline/build.h"
#include "builder/pipeline/push.h"
#include "builder/pipeline/report_html.h"
#include "base/fs.h"

namespace dl::cli {
namespace {

struct BuildArgs {
  pipeline::BuildOptions o;
  std::string format = "oci", compression = "gzip";
  bool format_given = false;
  bool timings = false, json = false, quiet = false, push = false, keep_going = false;
  std::string report_file;
  copy::RegistryOptions registry;
};

nlohmann::ordered_json failures_json(const std::vector<pipeline::CellFailure>& fs) {
  auto a = nlohmann::ordered_json::array();
  for (auto& f : fs) a.push_back({{"image", f.cell}, {"phase", f.phase}, {"error", f.error}});
  return a;
}

nlohmann::ordered_json to_json(const pipeline::BuildReport& r) {
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
  return j;
}


layout::LayoutStore ctx_layout(const pipeline::BuildOptions& o) {
  std::string dir = o.output_layout.rfind("oci:", 0) == 0 ? o.output_layout.substr(4) : o.output_layout;
  return layout::LayoutStore(get(layout::Layout::open(dir)));
}

Registration reg("build", "Build matrix images into an OCI layout", [](CLI::App& app) -> Runner {
  auto a = std::make_shared<BuildArgs>();
  auto& o = a->o;
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
  app.add_option("--report", a->report_file, "write a self-contained HTML report of the run");
  app.add_flag("--json", a->json, "print the result as JSON");
  app.add_flag("-q,--quiet", a->quiet, "no progress output");
  app.add_flag("--push", a->push, "publish every tag of every built image (as built: OCI unless --manifest-format docker)");
  app.add_flag("-k,--keep-going", a->keep_going,
               "a failed image does not stop the others; every failure is listed and the exit code is 1");
  add_registry_flags(app, a->registry);
  return [a] {
    check(apply_build_environment(a->o));
    // OCI whether or not the run pushes, so a cell has one digest: Docker
    // 18.09 (the platform's hosts) pulls OCI manifests (docs/FORMATS.md).
    a->o.format = get(image::parse_format(a->format));
    a->o.registry = a->registry;
    a->o.compression.algorithm = get(layer::parse_compression(a->compression));
    a->o.keep_going = a->keep_going;
    ProgressPrinter progress(a->quiet || a->json);
    std::unique_ptr<copy::Session> session;
    if (a->push) {
      // Before any build work: a wrong password or a repository we may not
      // push to fails now, in seconds, naming the repository.
      session = get(copy::Session::open(a->registry));
      check(pipeline::preflight_push(get(pipeline::select_cells(a->o)), session->client(), a->registry.jobs * 2));
    }
    auto report = get(pipeline::build(a->o, [&](const std::string& phase, size_t done, size_t total,
                                                 const std::string& what) { progress.update(phase, done, total, what); }));
    progress.done();
    auto j = to_json(report);
    std::string push_line;
    std::optional<pipeline::PushReport> pushed;
    if (a->push) {
      pipeline::Phases& ph = report.phases;
      pipeline::ProgressMeter meter;
      pipeline::PushOptions po;
      po.jobs = a->registry.jobs;
      po.check_jobs = std::max(16, 4 * a->registry.jobs);
      po.keep_going = a->keep_going;
      po.progress = &meter;
      progress.watch(meter);
      {
        auto t = ph.time("push");
        auto from = ctx_layout(a->o);
        pushed = get(pipeline::push_cells(from, report.cells, session->client(), po));
      }
      progress.done();
      meter.set_listener({});
      j["push"] = {{"cells_skipped", pushed->cells_skipped}, {"manifests_put", pushed->manifests_put},
                   {"blobs_existing", pushed->blobs_existing}, {"blobs_mounted", pushed->blobs_mounted},
                   {"blobs_uploaded", pushed->blobs_uploaded}, {"bytes_uploaded", pushed->bytes_uploaded},
                   {"check_seconds", pushed->check_seconds}, {"publish_seconds", pushed->publish_seconds}};
      j["phases"] = to_json(report)["phases"];
      size_t pushed_cells = 0;
      for (auto& c : pushed->cells) pushed_cells += !c.skipped && !c.failed;
      push_line = "pushed: " + std::to_string(pushed_cells) + " images (" +
                  std::to_string(pushed->cells_skipped) + " already up to date), " +
                  std::to_string(pushed->manifests_put) + " manifests, " + std::to_string(pushed->blobs_uploaded) +
                  " blobs uploaded (" + std::to_string(pushed->bytes_uploaded) + " bytes), " +
                  std::to_string(pushed->blobs_mounted) + " mounted, " + std::to_string(pushed->blobs_existing) +
                  " already there\n";
    }
    std::vector<pipeline::CellFailure> failures = report.failures;
    if (pushed) failures.insert(failures.end(), pushed->failures.begin(), pushed->failures.end());
    j["failures"] = failures_json(failures);
    if (!a->report_file.empty())
      check(write_file_atomic(a->report_file, pipeline::render_html_report(report, pushed ? &*pushed : nullptr)));
    if (a->json) {
      std::cout << j.dump(2) << "\n";
    } else {
      std::cout << pipeline::summary_table(report) << report.dedup.str() << "\n" << push_line;
      if (a->timings) std::cout << "phases:\n" << report.phases.report();
    }
    if (failures.empty()) return kExitOk;
    // One line per failure, with its cause, on stderr whatever the format.
    std::cerr << "dlimage: " << failures.size() << " image" << (failures.size() == 1 ? "" : "s") << " failed:\n";
    for (auto& f : failures) std::cerr << "  " << f.cell << " (" << f.phase << "): " << f.error << "\n";
    return kExitFailure;
  };
});

}  // namespace
}  // namespace dl::cli
