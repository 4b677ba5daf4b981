// The CPU model and driver tables: shipped in data/, but `resolve` accepts
// replacements from the command line, so they are parsed as hostile YAML.
#include "builder/cpu/drivers.h"
#include "builder/cpu/microarch.h"
#include "fuzz/fuzz.h"

DL_FUZZ_TARGET {
  auto s = dl::fuzz::text(data, size);
  (void)dl::cpu::CpuModel::parse(s, "fuzz/microarchitectures.yaml");
  (void)dl::cpu::DriverTable::parse(s, "fuzz/cuda_drivers.yaml");
  return 0;
}
