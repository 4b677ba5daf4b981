#include "builder/cpu/machine.h"

#include <cstdio>
#include <filesystem>
#include <optional>

#include "base/fs.h"
#include "base/strings.h"
#include "builder/cpu/cpuinfo.h"

namespace dl::cpu {
namespace {

Status set_cpu(const MachineSpec& spec, const CpuModel& model, DescribedMachine& out) {
  int sources = !spec.cpu.empty() + !spec.cpuinfo_file.empty() + !spec.cpu_flags.empty();
  if (sources > 1) return invalid("give only one of --cpu, --cpuinfo and --cpu-flags");
  Machine& m = out.machine;
  std::string origin;
  if (!spec.cpuinfo_file.empty()) {
    DL_ASSIGN_OR_RETURN(CpuInfo info, read_cpuinfo(spec.cpuinfo_file));
    m.features = model.canonical_flags(info.flags);
    m.vendor = info.vendor;
    m.arch = info.arch;
    origin = "--cpuinfo " + spec.cpuinfo_file + (info.model_name.empty() ? "" : ": " + info.model_name);
  } else if (!spec.cpu_flags.empty()) {
    m.features = model.canonical_flags(parse_flag_list(spec.cpu_flags));
    // arm64 kernels name these; an x86 list needs no hint (--arch overrides).
    if (m.features.count("asimd") || m.features.count("fp")) m.arch = "arm64";
    origin = "--cpu-flags";
  } else if (!spec.cpu.empty() && to_lower(spec.cpu) != "host") {
    DL_ASSIGN_OR_RETURN(const Microarchitecture* a, model.lookup(spec.cpu));
    m.features = a->features;
    m.vendor = a->vendor == "generic" ? "" : a->vendor;
    out.cpu_name = a->name;
    m.arch = a->arch;
    m.cpu = a->name + " (--cpu " + spec.cpu + ")";
    return {};
  } else {
    DL_ASSIGN_OR_RETURN(HostCpu host, detect_host(spec.host_cpuinfo));
    m.features = model.canonical_flags(host.info.flags);
    m.vendor = host.info.vendor;
    m.arch = host.info.arch.empty() ? "amd64" : host.info.arch;
    origin = "host" + (host.info.model_name.empty() ? "" : ": " + host.info.model_name);
    if (!host.disabled_by_os.empty()) origin += "; the OS has not enabled " + join(host.disabled_by_os, " ");
  }
  const Microarchitecture* best = model.best_match(m.features, m.vendor);
  out.cpu_name = best ? best->name : "";
  m.cpu = (best ? best->name : std::string("unknown microarchitecture")) + " (" + origin + ")";
  return {};
}

// nvidia-smi ships with the driver; a bounded read of its one line per GPU.
Result<std::string> run_query(const std::string& command) {
  FILE* p = ::popen(command.c_str(), "r");
  if (!p) return io_error("cannot run " + command);
  std::string out;
  char buf[256];
  while (out.size() < 4096 && std::fgets(buf, sizeof buf, p)) out += buf;
  int rc = ::pclose(p);
  if (rc != 0) return io_error(command + " failed");
  return out;
}

Status set_compute_capability(const MachineSpec& spec, DescribedMachine& out) {
  if (!spec.compute_capability.empty()) {
    DL_ASSIGN_OR_RETURN(auto caps, parse_compute_capabilities(spec.compute_capability));
    out.machine.compute_capability = caps;
    return {};
  }
  if (!spec.gpu_host || !out.machine.nvidia_driver) return {};
  auto text = run_query(spec.host_compute_query);
  auto caps = text.ok() ? parse_compute_capabilities(*text) : Result<Version>(text.error());
  if (!caps.ok()) {
    out.warnings.push_back("--gpu host: GPU compute capability unknown (" + caps.error().message() +
                           "); pass --compute-capability X.Y to check it");
    return {};
  }
  out.machine.compute_capability = *caps;
  return {};
}

Status set_gpu(const MachineSpec& spec, DescribedMachine& out) {
  if (!spec.nvidia_driver.empty() && spec.gpu_host) return invalid("give only one of --nvidia-driver and --gpu host");
  if (!spec.nvidia_driver.empty()) {
    DL_ASSIGN_OR_RETURN(Version v, Version::parse(spec.nvidia_driver, "NVIDIA driver version"));
    out.machine.nvidia_driver = v;
  } else if (spec.gpu_host) {
    if (!std::filesystem::exists(spec.host_nvidia_version)) {
      out.warnings.push_back("--gpu host: " + spec.host_nvidia_version +
                             " does not exist (no NVIDIA driver loaded); CPU images only");
    } else {
      DL_ASSIGN_OR_RETURN(std::string text, read_file(spec.host_nvidia_version));
      auto v = parse_nvidia_proc_version(text);
      if (!v.ok()) return v.error().wrap(spec.host_nvidia_version);
      out.machine.nvidia_driver = std::move(v).value();
    }
  }
  DL_TRY(set_compute_capability(spec, out));
  if (!spec.rocm.empty()) {
    DL_ASSIGN_OR_RETURN(Version v, Version::parse(spec.rocm, "ROCm version"));
    out.machine.rocm = v;
  }
  return {};
}

// --arch against the CPU source. A named or described CPU has an
// architecture, and a different --arch contradicts it. The host's CPU says
// nothing about another architecture's machine: only its generic root is
// known then ("which tags can an arm64 box run?" asked on an x86 laptop).
Status set_arch(const MachineSpec& spec, const CpuModel& model, DescribedMachine& out) {
  if (spec.arch.empty()) return {};
  DL_ASSIGN_OR_RETURN(std::string arch, oci_arch(spec.arch));
  Machine& m = out.machine;
  bool from_host =
      spec.cpuinfo_file.empty() && spec.cpu_flags.empty() && (spec.cpu.empty() || to_lower(spec.cpu) == "host");
  if (arch == m.arch || (!from_host && m.arch.empty())) {
    m.arch = arch;
    return {};
  }
  if (!from_host) {
    std::string source = !spec.cpu.empty()            ? "--cpu " + spec.cpu
                         : !spec.cpuinfo_file.empty() ? "--cpuinfo " + spec.cpuinfo_file
                                                      : "--cpu-flags";
    return invalid(source + " describes an " + m.arch + " machine, but --arch says " + arch +
                   " (drop --arch, or name a CPU of that architecture)");
  }
  const Microarchitecture* generic = model.generic_for(arch);
  m.arch = arch;
  m.features = generic ? generic->features : FeatureSet{};
  m.vendor.clear();
  out.cpu_name = generic ? generic->name : "";
  m.cpu = (generic ? generic->name : arch) + " (generic for --arch " + spec.arch +
          "; --cpu NAME or --cpuinfo FILE tell more)";
  return {};
}

}  // namespace

// OCI spelling of --arch: amd64, arm64 or 386 (kernel names accepted).
Result<std::string> oci_arch(const std::string& a) {
  std::string l = to_lower(a);
  if (l == "amd64" || l == "x86_64" || l == "x86-64") return std::string("amd64");
  if (l == "arm64" || l == "aarch64") return std::string("arm64");
  if (l == "386" || l == "i386" || l == "i686") return std::string("386");
  return invalid("--arch '" + a + "': expected amd64 (x86_64), arm64 (aarch64) or 386");
}

Result<Version> parse_compute_capabilities(std::string_view text) {
  std::optional<Version> lowest;
  for (const auto& line : split(text, '\n')) {
    std::string t = trim(line);
    if (t.empty()) continue;
    auto v = Version::parse(t, "GPU compute capability");
    if (!v.ok() || v->parts.size() != 2)
      return invalid("GPU compute capability '" + t + "': expected MAJOR.MINOR such as 7.0 or 8.6");
    if (!lowest || *v < *lowest) lowest = *v;
  }
  if (!lowest) return invalid("no GPU compute capability reported");
  return *lowest;
}

Result<DescribedMachine> describe_machine(const MachineSpec& spec, const CpuModel& model) {
  DescribedMachine out;
  DL_TRY(set_cpu(spec, model, out));
  DL_TRY(set_arch(spec, model, out));
  DL_TRY(set_gpu(spec, out));
  return out;
}

}  // namespace dl::cpu
