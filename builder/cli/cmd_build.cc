// dlimage build: build the selected matrix cells into an OCI layout, and
// with --push publish them (pipeline::release does the work).
#include <iostream>

#include "base/plural.h"
#include "builder/cli/build_flags.h"
#include "builder/cli/command.h"
#include "builder/cli/output_flags.h"
#include "builder/cli/progress.h"
#include "builder/cli/registry_flags.h"
#include "builder/layer/compress.h"
#include "builder/pipeline/release.h"
#include "builder/pipeline/results.h"

namespace dl::cli {
namespace {

struct BuildArgs {
  pipeline::ReleaseOptions r;
  std::string format = "oci", compression = "gzip";
  bool timings = false;
  OutputOptions out;
};

std::string push_line(const pipeline::ReleaseReport& rr) {
  if (!rr.push) return "";
  const auto& p = *rr.push;
  size_t pushed = 0;
  for (auto& c : p.cells) pushed += !c.skipped && !c.failed;
  return "pushed: " + count_of(pushed, "image") + " (" + std::to_string(p.cells_skipped) + " already up to date), " +
         count_of(p.manifests_put, "manifest") + ", " + count_of(p.blobs_uploaded, "blob") + " uploaded (" +
         count_of(p.bytes_uploaded, "byte") + "), " + std::to_string(p.blobs_mounted) + " mounted, " +
         std::to_string(p.blobs_existing) + " already there\n";
}

Registration reg("build", "Build matrix images into an OCI layout", [](CLI::App& app) -> Runner {
  auto a = std::make_shared<BuildArgs>();
  auto& o = a->r.build;
  add_build_input_flags(app, o);
  add_upgrade_flags(app, o);
  app.add_option("--manifest-format", a->format,
                 "oci|docker (default oci: the layout holds what is pushed, with the same digests)")
      ->check(CLI::IsMember({"docker", "oci"}));
  app.add_option("--compression", a->compression, "gzip|zstd")->check(CLI::IsMember({"gzip", "zstd"}));
  app.add_option("--level", o.compression.level, "compression level (0 = default)");
  app.add_option("--threads", o.compression.threads, "compression threads (0 = all cores)");
  app.add_flag("--timings", a->timings, "print the time of each phase");
  app.add_option("--report", a->r.report_file,
                 "write a self-contained HTML report of the run to sign it off (also when it fails)");
  app.add_option("--previous", a->r.previous_results,
                 "results file (--json) of an earlier run: what the report's and results' \"changes\" compare with "
                 "(default: the output layout as it was before this build)")
      ->check(CLI::ExistingFile);
  a->out.add_to(app, /*progress_flag=*/true, /*table=*/true);
  app.add_flag("--push", a->r.push,
               "publish every tag of every built image (as built: OCI unless --manifest-format docker)");
  app.add_flag("-k,--keep-going", o.keep_going,
               "a failed image does not stop the others; every failure is listed and the exit code is 1");
  app.add_option("--sign-key", a->r.sign_key,
                 "cosign key (PEM; encrypted: passphrase from $COSIGN_PASSWORD): sign every pushed tag")
      ->check(CLI::ExistingFile);
  add_registry_flags(app, o.registry);
  return [a] {
    auto& b = a->r.build;
    check_usage(apply_build_environment(b));
    a->r.run = pipeline::run_info(command_line());
    a->r.count_sizes = a->out.json;
    // OCI whether or not the run pushes, so a cell has one digest: Docker
    // 18.09 (the platform's hosts) pulls OCI manifests (docs/FORMATS.md).
    b.format = get(image::parse_format(a->format));
    b.compression.algorithm = get(layer::parse_compression(a->compression));
    ProgressPrinter progress(false, a->out.mode());
    pipeline::ProgressMeter meter;
    a->r.push_progress = &meter;
    auto report =
        get(pipeline::release(a->r, [&](const std::string& phase, size_t done, size_t total, const std::string& what) {
          if (phase == "push") return progress.watch(meter);  // the meter shows bytes and rate from here on
          progress.update(phase, done, total, what);
        }));
    progress.done();
    meter.set_listener({});
    if (a->out.json) {
      std::cout << pipeline::results_json(report);
    } else if (a->out.quiet) {
      for (auto& c : report.build.cells) std::cout << c.manifest.digest.str() << "  " << c.cell.ref() << "\n";
    } else {
      std::cout << pipeline::summary_table(report.build, a->out.no_trunc) << report.build.dedup.str() << "\n"
                << push_line(report);
      for (auto& n : report.build.notes) std::cout << "auto: " << n << "\n";
      if (const auto& s = report.signing)
        std::cout << "signed: " << count_of(s->signed_tags, "tag") << " (" << s->already
                  << " already signed by this key)\n";
      if (a->timings) std::cout << "phases:\n" << report.build.phases.report();
    }
    const auto& failures = report.failures;
    if (failures.empty()) return kExitOk;
    // One line per failure, with its cause, on stderr whatever the format.
    std::cerr << "dlimage: " << count_of(failures.size(), "image") << " failed:\n";
    for (auto& f : failures) std::cerr << "  " << f.cell << " (" << f.phase << "): " << f.error << "\n";
    return kExitFailure;
  };
});

}  // namespace
}  // namespace dl::cli
