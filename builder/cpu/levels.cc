#include "builder/cpu/levels.h"

#include <algorithm>

namespace dl::cpu {

std::optional<std::string> amd64_variant(const std::vector<std::string>& isa_features) {
  if (isa_features.empty()) return std::string();
  auto has = [&](const std::string& prefix) {
    return std::any_of(isa_features.begin(), isa_features.end(),
                       [&](const std::string& f) { return f.rfind(prefix, 0) == 0; });
  };
  if (has("avx512")) return std::string("v4");
  if (has("avx2")) return std::string("v3");
  return std::nullopt;
}

std::string amd64_level(const CpuModel& model, const FeatureSet& machine) {
  FeatureSet have = model.canonical_flags(machine);
  for (const char* level : {"x86_64_v4", "x86_64_v3", "x86_64_v2"}) {
    const Microarchitecture* m = model.find(level);
    if (m && std::includes(have.begin(), have.end(), m->features.begin(), m->features.end()))
      return std::string("v") + level[8];
  }
  return "v1";
}

}  // namespace dl::cpu
