#include "builder/cpu/resolve.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "base/strings.h"
#include "builder/cpu/cpuinfo.h"
#include "builder/cpu/machine.h"
#include "builder/cpu/resolve_format.h"

namespace dl::cpu {
namespace {

const CpuModel& model() {
  static const CpuModel m = std::move(CpuModel::embedded()).value();
  return m;
}
const DriverTable& drivers() {
  static const DriverTable t = std::move(DriverTable::embedded()).value();
  return t;
}
const matrix::Matrix& shipped_matrix() {
  static const matrix::Matrix m = [] {
    auto r = matrix::load(std::string(DL_SOURCE_DIR) + "/matrix.yaml");
    EXPECT_TRUE(r.ok()) << r.error().message();
    return std::move(r).value();
  }();
  return m;
}

Machine machine_of(const char* arch) {
  Machine m;
  const auto* a = model().find(arch);
  EXPECT_NE(a, nullptr) << arch;
  m.features = a->features;
  m.vendor = a->vendor;
  m.cpu = arch;
  return m;
}

Version ver(const char* s) { return std::move(Version::parse(s, "v")).value(); }

// Hand-made cells, shaped like matrix.yaml's, for cases the shipped matrix lacks.
matrix::Cell cell(const std::string& tag, const std::string& accel, const std::string& isa = "generic") {
  matrix::Cell c;
  c.repo = "example/dl";
  c.framework = "dl";
  c.version = "1.0";
  c.python = "3.6";
  c.pythons = {"3.6"};
  c.tags = {tag};
  c.accelerator.key = accel;
  if (accel == "cpu") c.accelerator.kind = "cpu";
  if (starts_with(accel, "cu")) {
    c.accelerator.kind = "cuda";
    c.accelerator.cuda = accel == "cu80" ? "8.0" : accel == "cu91" ? "9.1" : accel == "cu100" ? "10.0" : "9.0";
  }
  if (starts_with(accel, "rocm")) {
    c.accelerator.kind = "rocm";
    c.accelerator.rocm = "2.6.22";
  }
  c.isa.key = isa;
  if (isa == "avx") c.isa = {"avx", {"avx"}, 1, {}};
  if (isa == "avx2-mkldnn") c.isa = {"avx2-mkldnn", {"avx", "avx2", "fma"}, 2, {}};
  return c;
}

std::vector<std::string> tags_of(const std::vector<Verdict>& vs) {
  std::vector<std::string> out;
  for (const auto& v : vs) out.push_back(v.cell->tags[0]);
  return out;
}

std::vector<matrix::Cell> deeplearning_cpu(const std::string& version) {
  std::vector<matrix::Cell> out;
  for (const auto& c : shipped_matrix().cells)
    if (c.repo == "qingcloud/deeplearning" && c.version == version && c.accelerator.kind == "cpu") out.push_back(c);
  return out;
}

// The user guide's table "入门版镜像与 CPU 微架构适配表":
// columns AVX2+MKLDNN build | AVX build | plain build.
TEST(Resolve, SeedCpuTableReproducedExactly) {
  struct Row {
    const char* cpu;
    bool avx2_mkldnn, avx, plain;
  };
  const Row table[] = {{"Westmere", false, false, true}, {"SandyBridge", false, true, true},
                       {"IvyBridge", false, true, true}, {"Haswell", true, true, true},
                       {"Broadwell", true, true, true},  {"Skylake", true, true, true}};
  auto cells = deeplearning_cpu("1.1");
  ASSERT_EQ(cells.size(), 3u);
  for (const auto& row : table) {
    auto r = resolve(cells, machine_of(row.cpu), drivers());
    std::map<std::string, bool> runs;
    for (const auto& v : r.runnable) runs[v.cell->isa.key] = true;
    for (const auto& v : r.excluded) runs[v.cell->isa.key] = false;
    EXPECT_EQ(runs["avx2-mkldnn"], row.avx2_mkldnn) << row.cpu;
    EXPECT_EQ(runs["avx"], row.avx) << row.cpu;
    EXPECT_EQ(runs["generic"], row.plain) << row.cpu;
  }
  auto hsw = resolve(cells, machine_of("haswell"), drivers());
  EXPECT_EQ(tags_of(hsw.runnable), (std::vector<std::string>{"1.1-cpu-avx2-mkldnn", "1.1-cpu-avx", "1.1-cpu"}));
}

// For every microarchitecture and every ISA variant of the shipped matrix the
// verdict is exactly "machine features include the required ones".
TEST(Resolve, VerdictIsFeatureInclusionForEveryMicroarchitecture) {
  std::map<std::string, const matrix::Cell*> variants;
  for (const auto& c : shipped_matrix().cells)
    if (c.accelerator.kind == "cpu") variants.emplace(c.isa.key, &c);
  ASSERT_EQ(variants.size(), 3u);
  for (const auto& arch : model().all()) {
    Machine m;
    m.features = arch.features;
    for (const auto& [key, c] : variants) {
      FeatureSet need(c->isa.features.begin(), c->isa.features.end());
      bool expected = std::includes(arch.features.begin(), arch.features.end(), need.begin(), need.end());
      EXPECT_EQ(evaluate(*c, m, drivers()).runnable, expected) << arch.name << " / " << key;
    }
  }
}

std::set<std::string> runnable_cuda(const std::vector<matrix::Cell>& cells, const char* driver) {
  Machine m = machine_of("haswell");
  m.nvidia_driver = ver(driver);
  std::set<std::string> out;
  for (const auto& v : resolve(cells, m, drivers()).runnable)
    if (v.cell->accelerator.kind == "cuda") out.insert(v.cell->accelerator.key);
  return out;
}

TEST(Resolve, DriverCutoffs) {
  std::vector<matrix::Cell> cells = {cell("cu80", "cu80"), cell("cu91", "cu91"), cell("cu100", "cu100"),
                                     cell("cpu", "cpu")};
  using S = std::set<std::string>;
  EXPECT_EQ(runnable_cuda(cells, "387.26"), (S{"cu80", "cu91"}));  // the product's GPU hosts
  EXPECT_EQ(runnable_cuda(cells, "384.81"), (S{"cu80"}));          // CUDA 9.0's driver
  EXPECT_EQ(runnable_cuda(cells, "375.26"), (S{"cu80"}));
  EXPECT_EQ(runnable_cuda(cells, "367.48"), (S{"cu80"}));
  EXPECT_EQ(runnable_cuda(cells, "367.47"), (S{}));
  EXPECT_EQ(runnable_cuda(cells, "410.48"), (S{"cu80", "cu91", "cu100"}));
  // The same holds on the shipped matrix (which has no 9.0 or 10.0 images).
  EXPECT_EQ(runnable_cuda(shipped_matrix().cells, "387.26"), (S{"cu80", "cu91"}));
  EXPECT_EQ(runnable_cuda(shipped_matrix().cells, "384.81"), (S{"cu80"}));
  EXPECT_EQ(runnable_cuda(shipped_matrix().cells, "367.47"), (S{}));
}

TEST(Resolve, GpuHostGetsTheCuda91Images) {
  Machine m = machine_of("haswell");
  m.nvidia_driver = ver("387.26");
  std::vector<matrix::Cell> cells;
  for (const auto& c : shipped_matrix().cells)
    if (c.repo == "qingcloud/deeplearning" && c.version == "1.1") cells.push_back(c);
  auto r = resolve(cells, m, drivers());
  ASSERT_FALSE(r.runnable.empty());
  EXPECT_EQ(r.runnable[0].cell->ref(), "qingcloud/deeplearning:1.1-cu91-cudnn7.1");
  EXPECT_EQ(tags_of(r.runnable),
            (std::vector<std::string>{"1.1-cu91-cudnn7.1", "1.1-cpu-avx2-mkldnn", "1.1-cpu-avx", "1.1-cpu"}));
  ASSERT_EQ(r.excluded.size(), 1u);
  EXPECT_EQ(r.excluded[0].reasons, (std::vector<std::string>{"ROCm build, no --rocm given"}));
}

TEST(Resolve, OrderIsGpuNewestCudaFirstThenMostSpecificIsa) {
  std::vector<matrix::Cell> cells = {cell("cpu", "cpu"),      cell("cpu-avx2", "cpu", "avx2-mkldnn"),
                                     cell("cu80", "cu80"),    cell("cpu-avx", "cpu", "avx"),
                                     cell("cu100", "cu100"),  cell("cu91", "cu91"),
                                     cell("rocm26", "rocm26")};
  Machine m = machine_of("skylake");
  m.nvidia_driver = ver("410.48");
  auto r = resolve(cells, m, drivers());
  EXPECT_EQ(tags_of(r.runnable), (std::vector<std::string>{"cu100", "cu91", "cu80", "cpu-avx2", "cpu-avx", "cpu"}));
  m.nvidia_driver.reset();
  r = resolve(cells, m, drivers());
  EXPECT_EQ(tags_of(r.runnable), (std::vector<std::string>{"cpu-avx2", "cpu-avx", "cpu"}));
}

TEST(Resolve, ExplainsEveryExclusion) {
  std::vector<matrix::Cell> cells = {cell("cpu-avx2", "cpu", "avx2-mkldnn"), cell("cu100", "cu100"),
                                     cell("cu91", "cu91"), cell("rocm26", "rocm26")};
  Machine m = machine_of("sandybridge");
  m.nvidia_driver = ver("387.26");
  auto r = resolve(cells, m, drivers());
  EXPECT_EQ(tags_of(r.runnable), (std::vector<std::string>{"cu91"}));
  ASSERT_EQ(r.excluded.size(), 3u);
  EXPECT_EQ(r.excluded[0].reasons, (std::vector<std::string>{"needs avx avx2 fma, machine lacks avx2 fma"}));
  EXPECT_EQ(r.excluded[1].reasons,
            (std::vector<std::string>{"needs NVIDIA driver >= 410.48 for CUDA 10.0, have 387.26"}));
  EXPECT_EQ(r.excluded[2].reasons, (std::vector<std::string>{"ROCm build, no --rocm given"}));

  Machine cpu_only = machine_of("haswell");
  auto none = evaluate(cells[1], cpu_only, drivers());
  ASSERT_EQ(none.reasons.size(), 1u);
  EXPECT_EQ(none.reasons[0], "CUDA 10.0 build, needs NVIDIA driver >= 410.48; no --nvidia-driver or --gpu host given");
  auto unknown = cell("cu90", "cu90");  // CUDA 9.0 is in the table
  EXPECT_TRUE(evaluate(
                  unknown,
                  [] {
                    Machine x = machine_of("haswell");
                    x.nvidia_driver = ver("384.81");
                    return x;
                  }(),
                  drivers())
                  .runnable);
}

TEST(Resolve, RocmMatchesMajorMinor) {
  auto c = cell("rocm26", "rocm26");
  Machine m = machine_of("zen2");
  m.rocm = ver("2.6.22");
  EXPECT_TRUE(evaluate(c, m, drivers()).runnable);
  m.rocm = ver("2.6");
  EXPECT_TRUE(evaluate(c, m, drivers()).runnable);
  m.rocm = ver("3.0.6");
  auto v = evaluate(c, m, drivers());
  ASSERT_FALSE(v.runnable);
  EXPECT_EQ(v.reasons[0], "ROCm 2.6.22 build, machine has ROCm 3.0.6 (major.minor must match)");
}

TEST(Resolve, MaskedAvx2VmGetsTheAvxImage) {
  auto info =
      read_cpuinfo(std::string(DL_SOURCE_DIR) + "/tests/fixtures/cpuinfo/vm-haswell-avx2-masked-xeon-e5-2680v3");
  ASSERT_TRUE(info.ok());
  Machine m;
  m.features = info->flags;
  m.vendor = info->vendor;
  auto cells = deeplearning_cpu("1.1");
  auto r = resolve(cells, m, drivers());
  EXPECT_EQ(tags_of(r.runnable), (std::vector<std::string>{"1.1-cpu-avx", "1.1-cpu"}));
  ASSERT_EQ(r.excluded.size(), 1u);
  EXPECT_EQ(r.excluded[0].reasons, (std::vector<std::string>{"needs avx avx2 fma, machine lacks avx2"}));
}

// Every saved cpuinfo resolves to its expected best deeplearning CPU image.
TEST(Resolve, EachFixtureGetsItsExpectedVariant) {
  const std::pair<const char*, const char*> expected[] = {
      {"westmere-xeon-x5650", "generic"},
      {"sandybridge-core-i7-2600", "avx"},
      {"ivybridge-core-i7-3770", "avx"},
      {"haswell-xeon-e5-2660v3-vm", "avx2-mkldnn"},
      {"broadwell-xeon-e5-2686v4-vm", "avx2-mkldnn"},
      {"skylake-sp-xeon-platinum-8175m-vm", "avx2-mkldnn"},
      {"cascadelake-xeon-gold-6248", "avx2-mkldnn"},
      {"icelake-xeon-platinum-8375c-vm", "avx2-mkldnn"},
      {"alderlake-core-i5-12400", "avx2-mkldnn"},
      {"sapphirerapids-xeon-platinum-8457c-vm", "avx2-mkldnn"},
      {"zen2-epyc-7502p", "avx2-mkldnn"},
      {"zen3-ryzen-9-5950x", "avx2-mkldnn"},
      {"zen3-epyc-milan-vm", "avx2-mkldnn"},
      {"zen4-epyc-9r14-vm", "avx2-mkldnn"},
      {"vm-haswell-avx2-masked-xeon-e5-2680v3", "avx"},
      {"vm-ivybridge-avx-masked-xeon-e5-2667v2", "generic"},
  };
  auto cells = deeplearning_cpu("1.1");
  for (const auto& [file, variant] : expected) {
    auto info = read_cpuinfo(std::string(DL_SOURCE_DIR) + "/tests/fixtures/cpuinfo/" + file);
    ASSERT_TRUE(info.ok()) << file;
    Machine m;
    m.features = model().canonical_flags(info->flags);
    auto r = resolve(cells, m, drivers());
    ASSERT_FALSE(r.runnable.empty()) << file;
    EXPECT_EQ(r.runnable[0].cell->isa.key, variant) << file;
  }
}

}  // namespace
}  // namespace dl::cpu

namespace dl::cpu {
namespace {

TEST(ComputeCapability, TheToolkitsSmRangeDecides) {
  std::vector<matrix::Cell> cells = {cell("cu80", "cu80"), cell("cu91", "cu91"), cell("cu100", "cu100"),
                                     cell("cpu", "cpu")};
  Machine m = machine_of("haswell");
  m.nvidia_driver = ver("450.80.02");
  auto runnable = [&](const char* cc) {
    m.compute_capability = ver(cc);
    std::vector<std::string> tags;
    for (auto& v : resolve(cells, m, drivers()).runnable) tags.push_back(v.cell->tags[0]);
    std::sort(tags.begin(), tags.end());
    return join(tags, " ");
  };
  EXPECT_EQ(runnable("6.1"), "cpu cu100 cu80 cu91");  // Pascal: every toolkit of the era
  EXPECT_EQ(runnable("7.0"), "cpu cu100 cu91");       // Volta: CUDA 8.0 stops at 6.2
  EXPECT_EQ(runnable("7.5"), "cpu cu100");            // Turing needs CUDA 10
  EXPECT_EQ(runnable("8.6"), "cpu");                  // Ampere: none of these
  EXPECT_EQ(runnable("2.1"), "cpu cu80");             // Fermi: dropped in CUDA 9

  m.compute_capability = ver("8.6");
  auto r = resolve(cells, m, drivers());
  auto cu91 =
      std::find_if(r.excluded.begin(), r.excluded.end(), [](const Verdict& v) { return v.cell->tags[0] == "cu91"; });
  ASSERT_NE(cu91, r.excluded.end());
  EXPECT_EQ(join(cu91->reasons, "; "), "GPU compute capability 8.6 is newer than CUDA 9.1 supports (up to 7.2)");
}

TEST(ComputeCapability, ParsedFromNvidiaSmiLines) {
  auto one = parse_compute_capabilities("8.6\n");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->text, "8.6");
  auto several = parse_compute_capabilities("8.6\n7.0\n8.0\n");
  ASSERT_TRUE(several.ok());
  EXPECT_EQ(several->text, "7.0") << "the image must run on every GPU";
  EXPECT_EQ(parse_compute_capabilities("sm_86").error().message(),
            "GPU compute capability 'sm_86': expected MAJOR.MINOR such as 7.0 or 8.6");
  EXPECT_FALSE(parse_compute_capabilities("").ok());
  EXPECT_FALSE(parse_compute_capabilities("8").ok());
}

}  // namespace
}  // namespace dl::cpu

namespace dl::cpu {
namespace {

TEST(DockerRun, FlagsFollowTheAccelerator) {
  EXPECT_EQ(docker_run_line(cell("cu91", "cu91")), "docker run -it --rm --gpus all example/dl:cu91");
  EXPECT_EQ(docker_run_line(cell("rocm", "rocm26")),
            "docker run -it --rm --device=/dev/kfd --device=/dev/dri --group-add video example/dl:rocm");
  EXPECT_EQ(docker_run_line(cell("cpu", "cpu")), "docker run -it --rm example/dl:cpu");
  // Published images (resolve --from): pinned to the digest the tag names.
  EXPECT_EQ(docker_run_line(cell("cu91", "cu91"), "sha256:" + std::string(64, 'a')),
            "docker run -it --rm --gpus all example/dl:cu91@sha256:" + std::string(64, 'a'));
}

}  // namespace
}  // namespace dl::cpu
