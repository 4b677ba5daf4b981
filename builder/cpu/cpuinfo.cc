#include "builder/cpu/cpuinfo.h"

#include <cstring>

#include "base/fs.h"
#include "base/strings.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define DL_CPU_X86 1
#endif

namespace dl::cpu {

FeatureSet parse_flag_list(std::string_view text) {
  FeatureSet out;
  std::string cur;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == ',' || c == '\n' || c == '\r') {
      if (!cur.empty()) out.insert(to_lower(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.insert(to_lower(cur));
  return out;
}

Result<CpuInfo> parse_cpuinfo(std::string_view text, const std::string& source) {
  CpuInfo info;
  info.source = source;
  bool seen_processor = false, have_flags = false;
  size_t line_no = 0;
  for (const auto& raw : split(text, '\n')) {
    ++line_no;
    std::string line = trim(raw);
    if (line.empty()) {
      if (seen_processor && have_flags) break;  // end of the first block
      continue;
    }
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;  // "power management:" has one; others are noise
    std::string key = to_lower(trim(std::string_view(line).substr(0, colon)));
    std::string value = trim(std::string_view(line).substr(colon + 1));
    if (key == "processor") {
      if (seen_processor && have_flags) break;  // blocks without a blank line between them
      seen_processor = true;
    } else if (key == "vendor_id" && info.vendor.empty()) {
      info.vendor = value;
    } else if (key == "cpu implementer" && info.vendor.empty()) {
      info.vendor = value == "0x41" ? "ARM" : value;  // aarch64 names vendors by number
    } else if (key == "model name" && info.model_name.empty()) {
      info.model_name = value;
    } else if ((key == "flags" || key == "features") && !have_flags) {
      info.flags = parse_flag_list(value);
      have_flags = true;
      // x86 kernels say "flags", arm64 ones "Features"; "lm" is x86-64.
      info.arch = key == "features" ? "arm64" : info.flags.count("lm") ? "amd64" : "386";
    }
  }
  if (!have_flags)
    return invalid(source + ":" + std::to_string(line_no) +
                   ": no 'flags' (x86) or 'Features' (aarch64) line (expected /proc/cpuinfo text)");
  return info;
}

Result<CpuInfo> read_cpuinfo(const std::string& path) {
  DL_ASSIGN_OR_RETURN(std::string text, read_file(path));
  return parse_cpuinfo(text, path);
}

std::vector<std::string> apply_os_state(FeatureSet& flags, const OsState& os) {
  const std::uint64_t avx_state = (1u << 1) | (1u << 2);                                // XMM, YMM
  const std::uint64_t avx512_state = (1u << 5) | (1u << 6) | (1u << 7);                 // opmask, ZMM_Hi256, Hi16_ZMM
  const std::uint64_t amx_state = (std::uint64_t(1) << 17) | (std::uint64_t(1) << 18);  // XTILECFG, XTILEDATA
  std::uint64_t xcr0 = os.osxsave ? os.xcr0 : 0;
  bool avx_ok = (xcr0 & avx_state) == avx_state;
  bool avx512_ok = avx_ok && (xcr0 & avx512_state) == avx512_state;
  bool amx_ok = (xcr0 & amx_state) == amx_state;
  // VEX/EVEX-encoded extensions: each needs the YMM state the OS may not save.
  static const char* const vex[] = {"fma", "fma4", "f16c", "xop", "vaes", "vpclmulqdq"};
  std::vector<std::string> removed;
  for (auto it = flags.begin(); it != flags.end();) {
    const std::string& f = *it;
    bool drop = false;
    if (starts_with(f, "avx512")) {
      drop = !avx512_ok;
    } else if (starts_with(f, "avx")) {
      drop = !avx_ok;
    } else if (starts_with(f, "amx_")) {
      drop = !amx_ok;
    } else {
      for (const char* v : vex)
        if (f == v) drop = !avx_ok;
    }
    if (drop) {
      removed.push_back(f);
      it = flags.erase(it);
    } else {
      ++it;
    }
  }
  return removed;
}

OsState read_os_state() {
  OsState s;
#ifdef DL_CPU_X86
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return s;
  s.osxsave = (c & (1u << 27)) != 0;
  if (s.osxsave) {
    unsigned lo = 0, hi = 0;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    s.xcr0 = (std::uint64_t(hi) << 32) | lo;
  }
#endif
  return s;
}

Result<CpuInfo> cpuid_info() {
#ifdef DL_CPU_X86
  struct Bit {
    unsigned reg;  // 0 eax .. 3 edx
    unsigned bit;
    const char* flag;
  };
  static const Bit leaf1[] = {
      {3, 23, "mmx"}, {3, 25, "sse"},   {3, 26, "sse2"},   {2, 0, "pni"},     {2, 1, "pclmulqdq"}, {2, 9, "ssse3"},
      {2, 12, "fma"}, {2, 13, "cx16"},  {2, 19, "sse4_1"}, {2, 20, "sse4_2"}, {2, 22, "movbe"},    {2, 23, "popcnt"},
      {2, 25, "aes"}, {2, 26, "xsave"}, {2, 28, "avx"},    {2, 29, "f16c"},   {2, 30, "rdrand"}};
  static const Bit leaf7[] = {{1, 3, "bmi1"},           {1, 5, "avx2"},
                              {1, 8, "bmi2"},           {1, 16, "avx512f"},
                              {1, 17, "avx512dq"},      {1, 18, "rdseed"},
                              {1, 19, "adx"},           {1, 21, "avx512ifma"},
                              {1, 23, "clflushopt"},    {1, 24, "clwb"},
                              {1, 28, "avx512cd"},      {1, 29, "sha_ni"},
                              {1, 30, "avx512bw"},      {1, 31, "avx512vl"},
                              {2, 1, "avx512vbmi"},     {2, 6, "avx512_vbmi2"},
                              {2, 8, "gfni"},           {2, 9, "vaes"},
                              {2, 10, "vpclmulqdq"},    {2, 11, "avx512_vnni"},
                              {2, 12, "avx512_bitalg"}, {2, 14, "avx512_vpopcntdq"},
                              {2, 22, "rdpid"},         {3, 8, "avx512_vp2intersect"},
                              {3, 22, "amx_bf16"},      {3, 23, "avx512_fp16"},
                              {3, 24, "amx_tile"},      {3, 25, "amx_int8"}};
  static const Bit ext1[] = {{2, 0, "lahf_lm"}, {2, 5, "abm"}, {2, 6, "sse4a"}, {2, 11, "xop"}, {2, 16, "fma4"}};
  CpuInfo info;
  info.source = "cpuid";
  unsigned r[4] = {0, 0, 0, 0};
  unsigned max_leaf = __get_cpuid_max(0, nullptr);
  __cpuid(0, r[0], r[1], r[2], r[3]);
  char vendor[13];
  std::memcpy(vendor, &r[1], 4);
  std::memcpy(vendor + 4, &r[3], 4);
  std::memcpy(vendor + 8, &r[2], 4);
  vendor[12] = 0;
  info.vendor = vendor;
  auto take = [&](const Bit* bits, size_t n) {
    for (size_t i = 0; i < n; ++i)
      if (r[bits[i].reg] & (1u << bits[i].bit)) info.flags.insert(bits[i].flag);
  };
  if (max_leaf >= 1) {
    __cpuid(1, r[0], r[1], r[2], r[3]);
    take(leaf1, std::size(leaf1));
  }
  if (max_leaf >= 7) {
    __cpuid_count(7, 0, r[0], r[1], r[2], r[3]);
    take(leaf7, std::size(leaf7));
  }
  if (unsigned(__get_cpuid_max(0x80000000u, nullptr)) >= 0x80000001u) {  // int in clang, unsigned in GCC
    __cpuid(0x80000001u, r[0], r[1], r[2], r[3]);
    take(ext1, std::size(ext1));
  }
  return info;
#else
  return Error(ErrorKind::unsupported, "cpuid: not an x86 CPU");
#endif
}

Result<HostCpu> detect_host(const std::string& cpuinfo_path) {
  HostCpu host;
  auto info = read_cpuinfo(cpuinfo_path);
  if (info.ok()) {
    host.info = std::move(info).value();
  } else {
    auto fallback = cpuid_info();
    if (!fallback.ok()) return info.error().wrap("detecting the host CPU");
    host.info = std::move(fallback).value();
  }
#ifdef DL_CPU_X86
  host.os = read_os_state();
  host.disabled_by_os = apply_os_state(host.info.flags, host.os);
#endif
  return host;
}

}  // namespace dl::cpu
