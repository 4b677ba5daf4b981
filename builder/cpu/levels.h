// x86-64 psABI microarchitecture levels as OCI platform variants (the
// image-spec's amd64 variants "v2", "v3", "v4"), for the `auto` index over a
// group's ISA builds and for telling which entry an engine picks.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "builder/cpu/microarch.h"

namespace dl::cpu {

// The variant an ISA build is published under in an auto index: "" (no
// variant) for a build that needs no extension, "v3" for AVX2, "v4" for
// AVX-512; nullopt for a build that is no level: AVX alone (Sandy Bridge,
// Ivy Bridge) is not x86-64-v3, and labelling it v3 would hand it to
// machines that should get the AVX2 build.
std::optional<std::string> amd64_variant(const std::vector<std::string>& isa_features);

// The highest level a machine's features reach, "v1" to "v4", from the
// model's x86_64_vN entries (data/microarchitectures.yaml).
std::string amd64_level(const CpuModel& model, const FeatureSet& machine);

}  // namespace dl::cpu
