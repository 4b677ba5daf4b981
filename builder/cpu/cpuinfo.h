// What a machine's CPU can run: its flags as /proc/cpuinfo spells them, after
// removing what the OS has not enabled. A kernel lists avx/avx512* when the
// CPU has them, but the instructions fault unless the OS saves the register
// state (XCR0), so host detection also asks the CPU directly (cpuid/xgetbv).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"
#include "builder/cpu/microarch.h"

namespace dl::cpu {

struct CpuInfo {
  std::string vendor;      // vendor_id ("GenuineIntel"), "ARM" for aarch64 implementer 0x41
  std::string model_name;  // "Intel(R) Xeon(R) CPU E5-2680 v3 @ 2.50GHz"
  FeatureSet flags;        // "flags" (x86) or "Features" (aarch64) of the first processor
  std::string arch;        // OCI spelling: "amd64" (x86 with lm), "386", "arm64" (a Features line)
  std::string source;      // where it came from, for messages
};

// Parses /proc/cpuinfo text; only the first processor block is read.
Result<CpuInfo> parse_cpuinfo(std::string_view text, const std::string& source);
Result<CpuInfo> read_cpuinfo(const std::string& path);

// "avx avx2, fma" -> {avx, avx2, fma}; separators are spaces, tabs and commas.
FeatureSet parse_flag_list(std::string_view text);

// Which register state the OS saves (XCR0), as read by xgetbv.
struct OsState {
  bool osxsave = false;  // CPUID.1:ECX.OSXSAVE: xgetbv is usable at all
  std::uint64_t xcr0 = 0;
};
// Drops flags whose register state the OS has not enabled: without
// XCR0 bits 1,2 (SSE, AVX) every VEX-encoded extension (avx*, fma, f16c, ...);
// without bits 5,6,7 (opmask, ZMM) every avx512*; without 17,18 every amx_*.
// Returns the flags removed.
std::vector<std::string> apply_os_state(FeatureSet& flags, const OsState& os);

// The running machine: /proc/cpuinfo (falling back to cpuid when it cannot be
// read) filtered through apply_os_state with the live XCR0. `cpuinfo_path`
// exists for tests.
struct HostCpu {
  CpuInfo info;
  OsState os;
  std::vector<std::string> disabled_by_os;  // flags listed by the kernel but unusable
};
Result<HostCpu> detect_host(const std::string& cpuinfo_path = "/proc/cpuinfo");
// The live OS state; {osxsave=false} on non-x86 builds.
OsState read_os_state();

// The CPU's own report (cpuid leaves 0, 1, 7, 0x80000001) in /proc/cpuinfo
// spelling; used when /proc/cpuinfo is unavailable. Unsupported off x86.
Result<CpuInfo> cpuid_info();

}  // namespace dl::cpu
