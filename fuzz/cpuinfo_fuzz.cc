// /proc/cpuinfo as read on the machine being matched (or a saved copy), and
// /proc/driver/nvidia/version.
#include "builder/cpu/cpuinfo.h"
#include "builder/cpu/drivers.h"
#include "fuzz/fuzz.h"

DL_FUZZ_TARGET {
  auto s = dl::fuzz::text(data, size);
  (void)dl::cpu::parse_cpuinfo(s, "fuzz/cpuinfo");
  (void)dl::cpu::parse_flag_list(s);
  (void)dl::cpu::parse_nvidia_proc_version(s);
  return 0;
}
