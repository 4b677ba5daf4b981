// Accelerator compatibility: which NVIDIA driver a CUDA build needs
// (data/cuda_drivers.yaml) and which ROCm builds a ROCm host runs.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace dl::cpu {

// A dotted numeric version: NVIDIA drivers ("387.26", "418.87.00"), CUDA
// ("9.1", "10.1.243"), ROCm ("2.6.22"). Missing fields compare as 0.
struct Version {
  std::vector<unsigned> parts;
  std::string text;

  // Accepts 1-4 dot-separated decimal fields; `what` names the value in errors.
  static Result<Version> parse(std::string_view text, std::string_view what);
  int compare(const Version& o) const;
  bool operator<(const Version& o) const { return compare(o) < 0; }
  bool operator>=(const Version& o) const { return compare(o) >= 0; }
  bool operator==(const Version& o) const { return compare(o) == 0; }
  // "9.1" for 9.1.85.
  std::string major_minor() const;
};

struct DriverRequirement {
  Version min_driver;
  std::string basis;  // "CUDA 10.0.130 needs >= 410.48" or the override's reason
  bool overridden = false;
};

// The GPU compute capabilities a CUDA major.minor builds for.
struct ComputeRange {
  Version min, max;
};

class DriverTable {
 public:
  // Errors read "<source>:<line>:<col>: <what>".
  static Result<DriverTable> parse(std::string_view yaml_text, const std::string& source);
  static Result<DriverTable> load(const std::string& path);
  static Result<DriverTable> embedded();

  // Minimum driver for a CUDA version as the matrix writes it: "9.1" takes the
  // lowest minimum among the 9.1.x releases unless an override names 9.1; a
  // full "10.1.243" takes that release's own minimum.
  Result<DriverRequirement> requirement(std::string_view cuda) const;
  // The compute-capability range of a CUDA major.minor (compute: in the data).
  Result<ComputeRange> compute_range(std::string_view cuda) const;

 private:
  struct Release {
    Version cuda, min_driver;
  };
  struct Override {
    std::string cuda;  // major.minor
    Version effective_min;
    std::string reason;
  };
  struct Compute {
    std::string cuda;  // major.minor
    ComputeRange range;
  };
  std::vector<Release> releases_;
  std::vector<Compute> compute_;
  std::vector<Override> overrides_;
};

// A ROCm build runs on a host with the same major.minor ROCm.
bool rocm_matches(const Version& build, const Version& host);

// The driver version out of /proc/driver/nvidia/version
// ("NVRM version: NVIDIA UNIX x86_64 Kernel Module  387.26  Thu Nov ...").
Result<Version> parse_nvidia_proc_version(std::string_view text);

}  // namespace dl::cpu
