#include "builder/cpu/resolve.h"

#include <map>
#include <optional>

#include <algorithm>
#include <map>
#include <tuple>

#include "base/strings.h"

namespace dl::cpu {
namespace {

// Wheel and kernel spellings of an OCI architecture, for messages.
std::string arch_shown(const std::string& oci) {
  if (oci == "amd64") return "amd64 (x86_64)";
  if (oci == "arm64") return "arm64 (aarch64)";
  return oci;
}

// False (with the reason) when the image is built for another platform; its
// ISA features then mean nothing on this machine.
bool check_platform(const matrix::Cell& cell, const Machine& m, Verdict& v) {
  const std::string& arch = cell.base.arch.empty() ? std::string("amd64") : cell.base.arch;
  if (arch == m.arch) return true;
  v.reasons.push_back("image is " + (cell.base.os.empty() ? std::string("linux") : cell.base.os) + "/" +
                      arch_shown(arch) + ", machine is " + arch_shown(m.arch));
  return false;
}

void check_isa(const matrix::Cell& cell, const Machine& m, Verdict& v) {
  std::vector<std::string> required;
  for (const auto& f : cell.isa.features) required.push_back(to_lower(f));
  auto lacking = missing_features(required, m.features);
  if (!lacking.empty()) v.reasons.push_back("needs " + join(required, " ") + ", machine lacks " + join(lacking, " "));
}

// A GPU outside the toolkit's sm range cannot run the build at all: the
// driver being new enough does not help.
void check_compute_capability(const std::string& cuda, const Machine& m, const DriverTable& drivers, Verdict& v) {
  if (!m.compute_capability) return;  // unknown: the driver check is all we can say
  auto range = drivers.compute_range(cuda);
  if (!range.ok()) {
    v.reasons.push_back(range.error().message());
    return;
  }
  const Version& cc = *m.compute_capability;
  if (cc < range->min)
    v.reasons.push_back("GPU compute capability " + cc.text + " is below CUDA " + cuda + "'s minimum " +
                        range->min.text + " (support dropped)");
  else if (range->max < cc)
    v.reasons.push_back("GPU compute capability " + cc.text + " is newer than CUDA " + cuda + " supports (up to " +
                        range->max.text + ")");
}

void check_cuda(const matrix::Cell& cell, const Machine& m, const DriverTable& drivers, Verdict& v) {
  const std::string& cuda = cell.accelerator.cuda;
  if (cuda.empty()) {
    v.reasons.push_back("CUDA build with no cuda version in the matrix");
    return;
  }
  auto req = drivers.requirement(cuda);
  if (!req.ok()) {
    v.reasons.push_back(req.error().message());
    return;
  }
  if (!m.nvidia_driver) {
    v.reasons.push_back("CUDA " + cuda + " build, needs NVIDIA driver >= " + req->min_driver.text +
                        "; no --nvidia-driver or --gpu host given");
    return;
  }
  if (*m.nvidia_driver < req->min_driver)
    v.reasons.push_back("needs NVIDIA driver >= " + req->min_driver.text + " for CUDA " + cuda + ", have " +
                        m.nvidia_driver->text);
  check_compute_capability(cuda, m, drivers, v);
}

void check_rocm(const matrix::Cell& cell, const Machine& m, Verdict& v) {
  if (!m.rocm) {
    v.reasons.push_back("ROCm build, no --rocm given");
    return;
  }
  auto build = Version::parse(cell.accelerator.rocm, "ROCm version in the matrix");
  if (!build.ok()) {
    v.reasons.push_back(build.error().message());
    return;
  }
  if (!rocm_matches(*build, *m.rocm))
    v.reasons.push_back("ROCm " + build->text + " build, machine has ROCm " + m.rocm->text +
                        " (major.minor must match)");
}

bool is_gpu(const matrix::Cell& c) { return c.accelerator.kind == "cuda" || c.accelerator.kind == "rocm"; }

Version accel_version(const matrix::Cell& c) {
  const std::string& text = c.accelerator.kind == "cuda" ? c.accelerator.cuda : c.accelerator.rocm;
  auto v = Version::parse(text, "accelerator version");
  return v.ok() ? std::move(v).value() : Version{};
}

}  // namespace

Verdict evaluate(const matrix::Cell& cell, const Machine& machine, const DriverTable& drivers) {
  Verdict v;
  v.cell = &cell;
  if (!check_platform(cell, machine, v)) return v;
  check_isa(cell, machine, v);
  const std::string& kind = cell.accelerator.kind;
  if (kind == "cuda") {
    check_cuda(cell, machine, drivers, v);
  } else if (kind == "rocm") {
    check_rocm(cell, machine, v);
  } else if (kind != "cpu" && !kind.empty()) {
    v.reasons.push_back("unknown accelerator kind '" + kind + "' (expected cpu, cuda or rocm)");
  }
  v.runnable = v.reasons.empty();
  return v;
}

Resolution resolve(const std::vector<matrix::Cell>& cells, const Machine& machine, const DriverTable& drivers) {
  Resolution r;
  std::map<std::tuple<std::string, std::string, std::string, std::string>, size_t> group_of;
  std::vector<size_t> group(cells.size());
  for (size_t i = 0; i < cells.size(); ++i) {
    const auto& c = cells[i];
    auto key = std::make_tuple(c.repo, c.framework, c.version, c.python);
    group[i] = group_of.emplace(key, group_of.size()).first->second;
    Verdict v = evaluate(c, machine, drivers);
    (v.runnable ? r.runnable : r.excluded).push_back(std::move(v));
  }
  auto pos = [&](const Verdict& v) { return size_t(v.cell - cells.data()); };
  std::stable_sort(r.runnable.begin(), r.runnable.end(), [&](const Verdict& a, const Verdict& b) {
    const auto &ca = *a.cell, &cb = *b.cell;
    size_t ga = group[pos(a)], gb = group[pos(b)];
    if (ga != gb) return ga < gb;
    if (is_gpu(ca) != is_gpu(cb)) return is_gpu(ca);
    int av = accel_version(ca).compare(accel_version(cb));
    if (av != 0) return av > 0;
    if (ca.isa.rank != cb.isa.rank) return ca.isa.rank > cb.isa.rank;
    return pos(a) < pos(b);
  });
  return r;
}

Status check_matrix_isa(const matrix::Matrix& m, const CpuModel* model) {
  std::optional<CpuModel> embedded;
  if (!model) {
    DL_ASSIGN_OR_RETURN(embedded, CpuModel::embedded());
    model = &*embedded;
  }
  std::map<std::string, std::vector<std::string>> entries;
  for (const auto& c : m.cells) entries.emplace(c.isa.key, c.isa.features);
  return check_isa_features(*model, {entries.begin(), entries.end()}, m.source);
}

}  // namespace dl::cpu
