// resolve is architecture-aware: images carry their platform (the base's
// os/arch in the matrix, the io.qingcloud.dlimage.platform label when
// published), and a machine is offered only images of its own architecture,
// with the reason for every other one.
#include <gtest/gtest.h>

#include "builder/cpu/cpuinfo.h"
#include "builder/cpu/machine.h"
#include "builder/cpu/resolve.h"
#include "builder/cpu/resolve_format.h"

namespace dl::cpu {
namespace {

const std::string kFixtures = std::string(DL_SOURCE_DIR) + "/tests/fixtures/cpuinfo/";

const CpuModel& model() {
  static const CpuModel m = std::move(CpuModel::embedded()).value();
  return m;
}
const DriverTable& drivers() {
  static const DriverTable t = std::move(DriverTable::embedded()).value();
  return t;
}

Machine from_cpuinfo(const std::string& fixture) {
  MachineSpec spec;
  spec.cpuinfo_file = kFixtures + fixture;
  auto d = describe_machine(spec, model());
  EXPECT_TRUE(d.ok()) << d.error().message();
  return d->machine;
}

TEST(Arch, CpuinfoSaysWhichArchitecture) {
  auto arm = read_cpuinfo(kFixtures + "neoverse-n1-graviton2-aarch64");
  ASSERT_TRUE(arm.ok()) << arm.error().message();
  EXPECT_EQ(arm->arch, "arm64");
  EXPECT_EQ(arm->vendor, "ARM");
  EXPECT_TRUE(arm->flags.count("asimd"));
  auto x86 = read_cpuinfo(kFixtures + "zen3-epyc-milan-vm");
  ASSERT_TRUE(x86.ok());
  EXPECT_EQ(x86->arch, "amd64");
}

TEST(Arch, Aarch64HostIsOfferedNoAmd64ImageAndToldWhy) {
  auto m = matrix::load(std::string(DL_SOURCE_DIR) + "/matrix.yaml");
  ASSERT_TRUE(m.ok());
  Machine arm = from_cpuinfo("neoverse-n1-graviton2-aarch64");
  EXPECT_EQ(arm.arch, "arm64");
  arm.nvidia_driver = Version::parse("470.57", "driver").value();
  auto r = resolve(m->cells, arm, drivers());
  EXPECT_TRUE(r.runnable.empty()) << r.runnable.front().cell->ref();
  ASSERT_EQ(r.excluded.size(), m->cells.size());
  for (auto& v : r.excluded) {
    ASSERT_EQ(v.reasons.size(), 1u) << v.cell->ref();
    EXPECT_EQ(v.reasons[0], "image is linux/amd64 (x86_64), machine is arm64 (aarch64)") << v.cell->ref();
  }
  std::string why = format_explain(r);
  EXPECT_NE(why.find("machine is arm64 (aarch64)"), std::string::npos) << why;

  // The same matrix on an x86-64 machine still offers its CPU images.
  auto x86 = resolve(m->cells, from_cpuinfo("zen3-epyc-milan-vm"), drivers());
  EXPECT_FALSE(x86.runnable.empty());
}

TEST(Arch, Arm64ImagesGoToArm64MachinesOnly) {
  matrix::Cell amd, arm;
  for (auto* c : {&amd, &arm}) {
    c->repo = "example/dl";
    c->framework = "dl";
    c->version = "1.0";
    c->python = "3.11";
    c->accelerator.key = c->accelerator.kind = "cpu";
  }
  amd.tags = {"amd"};
  arm.tags = {"arm"};
  arm.base.arch = "arm64";
  std::vector<matrix::Cell> cells = {amd, arm};
  auto on_arm = resolve(cells, from_cpuinfo("neoverse-n1-graviton2-aarch64"), drivers());
  ASSERT_EQ(on_arm.runnable.size(), 1u);
  EXPECT_EQ(on_arm.runnable[0].cell->tags[0], "arm");
  auto on_x86 = resolve(cells, from_cpuinfo("haswell-xeon-e5-2660v3-vm"), drivers());
  ASSERT_EQ(on_x86.runnable.size(), 1u);
  EXPECT_EQ(on_x86.runnable[0].cell->tags[0], "amd");
  ASSERT_EQ(on_x86.excluded.size(), 1u);
  EXPECT_EQ(on_x86.excluded[0].reasons[0], "image is linux/arm64 (aarch64), machine is amd64 (x86_64)");
}

TEST(Arch, ExplicitArchAndFlagListsAreUnderstood) {
  MachineSpec flags;
  flags.cpu_flags = "fp asimd aes crc32";
  EXPECT_EQ(describe_machine(flags, model())->machine.arch, "arm64");
  MachineSpec x86;
  x86.cpu_flags = "avx avx2 fma";
  EXPECT_EQ(describe_machine(x86, model())->machine.arch, "amd64");
  MachineSpec forced;
  forced.cpu = "haswell";
  forced.arch = "x86_64";  // the same architecture, in the kernel's spelling
  EXPECT_EQ(describe_machine(forced, model())->machine.arch, "amd64");
  forced.arch = "aarch64";  // a Haswell is no arm64 machine
  EXPECT_FALSE(describe_machine(forced, model()).ok());
  forced.arch = "sparc";
  auto bad = describe_machine(forced, model());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("expected amd64 (x86_64), arm64 (aarch64) or 386"), std::string::npos);
}

TEST(Arch, MatrixRefusesNonOciArchitectureNames) {
  auto m = matrix::parse(R"(schema: 1
bases:
  deb: {ref: "debian:bookworm", glibc: "2.36", arch: aarch64, pythons: {"3.11": {abi: cp311, interpreter: /usr/bin/python3, site_packages: usr/local/lib/python3.11/dist-packages}}}
pythons: {"3.11": {tag: ""}}
accelerators: {cpu: {kind: cpu, tag: cpu, base: deb}}
images:
  - {repo: t/d, framework: d, axes: {version: ["1"], python: ["3.11"], accelerator: [cpu]}, tags: ["{version}"]}
)",
                         "arch.yaml");
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message().find("arch.yaml:3:54: bases.deb.arch 'aarch64' is not an OCI architecture; did you "
                                     "mean 'arm64'?"),
            std::string::npos)
      << m.error().message();
}

}  // namespace
}  // namespace dl::cpu
