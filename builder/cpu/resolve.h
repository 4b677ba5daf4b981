// Tag resolution: which cells of the build matrix a machine can run, best
// first, and why the others cannot. Pure logic over matrix cells: an image
// runs only on its own platform (the base image's os/arch: an aarch64 host
// is offered no amd64 image), a variant
// runs iff the machine has every feature it requires (never by CPU name), a
// CUDA image iff the NVIDIA driver is new enough, a ROCm image iff the host's
// ROCm has the same major.minor.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "builder/cpu/drivers.h"
#include "builder/cpu/microarch.h"
#include "builder/matrix/matrix.h"

namespace dl::cpu {

struct Machine {
  std::string arch = "amd64";  // OCI spelling: amd64, arm64, 386
  FeatureSet features;         // /proc/cpuinfo spelling
  std::string vendor;          // "" when unknown (--cpu-flags)
  std::string cpu;             // for display: "haswell (--cpu haswell)"
  std::optional<Version> nvidia_driver;
  // The GPU's compute capability ("8.6"); with several GPUs, the lowest.
  std::optional<Version> compute_capability;
  std::optional<Version> rocm;
};

struct Verdict {
  const matrix::Cell* cell = nullptr;
  bool runnable = false;
  std::vector<std::string> reasons;  // one per failed check, empty when runnable
};

Verdict evaluate(const matrix::Cell& cell, const Machine& machine, const DriverTable& drivers);

struct Resolution {
  std::vector<Verdict> runnable;  // best first
  std::vector<Verdict> excluded;  // matrix order
};

// Runnable cells are grouped by (repo, framework, version, python) in the
// order groups first appear; within a group GPU images come first (newest
// CUDA/ROCm first), then by ISA rank, most specific first.
Resolution resolve(const std::vector<matrix::Cell>& cells, const Machine& machine, const DriverTable& drivers);
// Verdicts point into `cells`: they must outlive the Resolution.
Resolution resolve(std::vector<matrix::Cell>&& cells, const Machine&, const DriverTable&) = delete;

// check_isa_features over the matrix's isa entries (each once), against
// `model`, or the CPU data compiled into the binary when none is given.
Status check_matrix_isa(const matrix::Matrix& m, const CpuModel* model = nullptr);

}  // namespace dl::cpu
