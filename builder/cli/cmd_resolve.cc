// dlimage resolve: which image tags can this machine (or a described one) run?
#include <iostream>

#include "builder/cli/command.h"
#include "builder/cli/matrix_options.h"
#include "builder/cli/registry_flags.h"
#include "builder/cpu/drivers.h"
#include "builder/cpu/machine.h"
#include "builder/cpu/resolve_format.h"
#include "builder/pipeline/published.h"
#include "registry/reference/reference.h"
#include "registry/session/session.h"

namespace dl::cli {
namespace {

struct ResolveOptions {
  MatrixOptions matrix;
  cpu::MachineSpec spec;
  std::string gpu, repo, framework, version, python;
  std::string format = "table";
  bool explain = false, quiet = false;
  std::string cpu_model_file, drivers_file;
  std::string from;  // docker://REPO: resolve from what is published
  registry::SessionOptions registry;
};

Registration reg("resolve", "List the image tags a machine can run, best first", [](CLI::App& app) -> Runner {
  auto o = std::make_shared<ResolveOptions>();
  o->matrix.add_to(app);
  app.add_option("--cpu", o->spec.cpu, "microarchitecture name or alias (haswell, SandyBridge, zen3) or 'host'");
  app.add_option("--cpuinfo", o->spec.cpuinfo_file, "another machine's /proc/cpuinfo");
  app.add_option("--cpu-flags", o->spec.cpu_flags, "CPU flags, /proc/cpuinfo spelling: \"avx avx2 fma\"");
  app.add_option("--arch", o->spec.arch,
                 "machine architecture: amd64 (x86_64) or arm64 (aarch64); default: from the CPU")
      ->check([](const std::string& v) {
        auto a = cpu::oci_arch(v);
        return a.ok() ? std::string() : a.error().message();
      });
  // Malformed versions are usage errors (exit 2), as for every flag value
  // the parser can judge alone (cli/value_checks.h).
  auto version_check = [](const char* what) {
    return [what](const std::string& v) {
      auto r = cpu::Version::parse(v, what);
      return r.ok() ? std::string() : r.error().message();
    };
  };
  app.add_option("--nvidia-driver", o->spec.nvidia_driver, "NVIDIA driver version, e.g. 387.26")
      ->check(version_check("NVIDIA driver version"));
  app.add_option("--gpu", o->gpu, "'host': read the driver version from /proc/driver/nvidia/version")
      ->check(CLI::IsMember({"host"}));
  app.add_option("--compute-capability", o->spec.compute_capability,
                 "GPU compute capability, e.g. 7.0 (--gpu host reads it with nvidia-smi)")
      ->check([](const std::string& v) {
        auto r = cpu::parse_compute_capabilities(v);
        return r.ok() ? std::string() : r.error().message();
      });
  app.add_option("--rocm", o->spec.rocm, "ROCm version, e.g. 2.6.22 (runs builds of the same major.minor)")
      ->check(version_check("ROCm version"));
  app.add_option("--repo", o->repo, "only this repository");
  app.add_option("--framework", o->framework, "only this framework");
  app.add_option("--version", o->version, "only this framework version");
  app.add_option("--python", o->python, "only images carrying this Python (X.Y)");
  app.add_option("--format", o->format, "table|tags|json")->check(CLI::IsMember({"table", "tags", "json"}));
  app.add_flag("--explain", o->explain, "also list every excluded tag and why");
  app.add_flag_callback(
      "--json", [o] { o->format = "json"; }, "same as --format json (with a \"schema\" field)");
  app.add_flag("-q,--quiet", o->quiet, "print only the best tag");
  app.add_option("--cpu-model", o->cpu_model_file, "microarchitectures YAML instead of the built-in copy");
  app.add_option("--drivers", o->drivers_file, "CUDA driver table YAML instead of the built-in copy");
  app.add_option("--from", o->from, "docker://REPO: rank the tags really published there (read from image labels)");
  add_registry_flags(app, o->registry);
  return [o] {
    auto model = get(o->cpu_model_file.empty() ? cpu::CpuModel::embedded() : cpu::CpuModel::load(o->cpu_model_file));
    auto drivers =
        get(o->drivers_file.empty() ? cpu::DriverTable::embedded() : cpu::DriverTable::load(o->drivers_file));
    o->spec.gpu_host = o->gpu == "host";
    auto described = get(cpu::describe_machine(o->spec, model));
    for (const auto& w : described.warnings) std::cerr << "dlimage: warning: " << w << "\n";

    for (auto [key, value] : {std::pair{"repo", o->repo}, std::pair{"framework", o->framework},
                              std::pair{"version", o->version}, std::pair{"python", o->python}})
      if (!value.empty()) o->matrix.filters.push_back(std::string(key) + "=" + value);
    std::vector<matrix::Cell> cells;
    cpu::CellDigests digests;
    if (o->from.empty()) {
      cells = o->matrix.select();
    } else {
      if (o->from.rfind("docker://", 0) != 0)
        throw Failure(invalid("--from '" + o->from + "': expected docker://REPO"));
      auto canonical = get(registry::parse_reference(o->from.substr(9), /*default_tag=*/false));
      auto session = get(registry::Session::open(o->registry));
      auto filter = get(matrix::parse_filters(o->matrix.filters));
      for (auto& c :
           get(pipeline::published_cells(session->client(), session->hosts().for_pull(canonical), canonical, &digests)))
        if (filter.matches(c)) cells.push_back(c);
    }
    auto result = cpu::resolve(cells, described.machine, drivers);

    if (o->quiet) {
      if (!result.runnable.empty()) std::cout << result.runnable.front().cell->ref() << "\n";
    } else if (o->format == "table") {
      std::cout << cpu::format_table(result, described.machine, o->explain, digests);
    } else if (o->format == "json") {
      std::cout << cpu::format_json(result, described.machine, digests);
    } else {
      std::cout << cpu::format_tags(result, described.machine);
      if (o->explain) std::cerr << cpu::format_explain(result);
    }
    if (result.runnable.empty()) {
      std::cerr << "dlimage: no selected image runs on this machine" << (o->explain ? "" : " (--explain says why)")
                << "\n";
      return 1;
    }
    return 0;
  };
});

}  // namespace
}  // namespace dl::cli
