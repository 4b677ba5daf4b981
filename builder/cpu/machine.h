// Turning `dlimage resolve` options into a Machine: a named microarchitecture,
// this host (/proc/cpuinfo + cpuid/xgetbv), another machine's cpuinfo dump or
// flag list; an NVIDIA driver given or read from the host; a ROCm version.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "builder/cpu/microarch.h"
#include "builder/cpu/resolve.h"

namespace dl::cpu {

struct MachineSpec {
  std::string cpu;                 // microarchitecture name/alias, "host", or "" (= host)
  std::string cpuinfo_file;        // another machine's /proc/cpuinfo
  std::string cpu_flags;           // "avx avx2 fma ..."
  std::string arch;                // amd64|arm64|386 (also x86_64, aarch64); "" = from the CPU source
  std::string nvidia_driver;       // "387.26"
  bool gpu_host = false;           // read /proc/driver/nvidia/version (and nvidia-smi for the compute capability)
  std::string compute_capability;  // "8.6"
  std::string rocm;                // "2.6.22"
  // Where host facts live; tests point these at fixtures.
  std::string host_cpuinfo = "/proc/cpuinfo";
  std::string host_nvidia_version = "/proc/driver/nvidia/version";
  // Prints one compute capability per GPU ("8.6"); run by --gpu host.
  std::string host_compute_query = "nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null";
};

struct DescribedMachine {
  Machine machine;
  std::string cpu_name;               // best-matching microarchitecture, "" if none
  std::vector<std::string> warnings;  // e.g. "--gpu host: no NVIDIA driver loaded"
};

// Wrong input (two CPU sources, unknown name, malformed version) is an error
// worded for the command line.
// One compute capability per line (nvidia-smi's csv, or a --compute-capability
// value): the lowest, since an image must run on every GPU of the machine.
Result<Version> parse_compute_capabilities(std::string_view text);

Result<DescribedMachine> describe_machine(const MachineSpec& spec, const CpuModel& model);

// The OCI spelling of an --arch value: amd64, arm64 or 386 (the kernel's
// x86_64, aarch64, i686 accepted); anything else is an error saying so.
Result<std::string> oci_arch(const std::string& arch);

}  // namespace dl::cpu
