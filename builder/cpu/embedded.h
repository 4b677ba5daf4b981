// Data files compiled into the binary at build time (builder/cpu/CMakeLists.txt
// turns data/*.yaml into raw string literals), so dlimage works from any cwd.
#pragma once

#include <string_view>

namespace dl::cpu {

std::string_view embedded_microarchitectures_yaml();
std::string_view embedded_cuda_drivers_yaml();

}  // namespace dl::cpu
