#include "builder/cpu/machine.h"

#include <gtest/gtest.h>

#include "base/fs.h"

namespace dl::cpu {
namespace {

const CpuModel& model() {
  static const CpuModel m = std::move(CpuModel::embedded()).value();
  return m;
}
std::string fixture(const char* name) { return std::string(DL_SOURCE_DIR) + "/tests/fixtures/cpuinfo/" + name; }

TEST(DescribeMachine, NamedMicroarchitecture) {
  MachineSpec s;
  s.cpu = "Sandy Bridge";
  auto d = describe_machine(s, model());
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(d->cpu_name, "sandybridge");
  EXPECT_EQ(d->machine.cpu, "sandybridge (--cpu Sandy Bridge)");
  EXPECT_EQ(d->machine.features, model().find("sandybridge")->features);
  EXPECT_FALSE(d->machine.nvidia_driver.has_value());
}

TEST(DescribeMachine, AnotherMachinesCpuinfo) {
  MachineSpec s;
  s.cpuinfo_file = fixture("vm-haswell-avx2-masked-xeon-e5-2680v3");
  auto d = describe_machine(s, model());
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(d->cpu_name, "ivybridge");
  EXPECT_NE(d->machine.cpu.find("E5-2680 v3"), std::string::npos) << d->machine.cpu;
  EXPECT_EQ(d->machine.vendor, "GenuineIntel");
}

TEST(DescribeMachine, FlagListUsesCanonicalSpelling) {
  MachineSpec s;
  s.cpu_flags = "sse3 ssse3 SSE4.1 sse4.2 avx";
  auto d = describe_machine(s, model());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->machine.features.count("sse4_1"), 1u);
  EXPECT_EQ(d->machine.features.count("pni"), 1u);
}

TEST(DescribeMachine, HostIsTheDefault) {
  MachineSpec s;
  s.host_cpuinfo = fixture("zen3-epyc-milan-vm");
  auto d = describe_machine(s, model());
  ASSERT_TRUE(d.ok()) << d.error().message();
  // The fixture's flags pass through the live OS mask; sse2 always survives.
  EXPECT_EQ(d->machine.features.count("sse2"), 1u);
  EXPECT_NE(d->machine.cpu.find("host: AMD EPYC"), std::string::npos) << d->machine.cpu;
}

// "Which tags can a Graviton run?" must not answer with x86 images: a
// named CPU carries its architecture, whatever machine asks.
TEST(DescribeMachine, NamedCpuCarriesItsArchitecture) {
  for (const char* name : {"graviton2", "neoverse-n1", "Neoverse N1", "graviton1", "aarch64"}) {
    MachineSpec s;
    s.cpu = name;
    auto d = describe_machine(s, model());
    ASSERT_TRUE(d.ok()) << name << ": " << d.error().message();
    EXPECT_EQ(d->machine.arch, "arm64") << name;
  }
  MachineSpec x86;
  x86.cpu = "haswell";
  EXPECT_EQ(describe_machine(x86, model())->machine.arch, "amd64");
}

TEST(DescribeMachine, ArchContradictingTheCpuIsAnError) {
  MachineSpec s;
  s.cpu = "haswell";
  s.arch = "arm64";
  auto d = describe_machine(s, model());
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().message(),
            "--cpu haswell describes an amd64 machine, but --arch says arm64 (drop --arch, or name a CPU of that "
            "architecture)");
  MachineSpec c;
  c.cpuinfo_file = fixture("neoverse-n1-graviton2-aarch64");
  c.arch = "amd64";
  EXPECT_FALSE(describe_machine(c, model()).ok());
  c.arch = "aarch64";  // the kernel's spelling of the same thing
  EXPECT_TRUE(describe_machine(c, model()).ok());
}

// Asked on an x86 host about an arm64 machine: the host's CPU says nothing
// about it, so only the generic arm64 baseline is assumed.
TEST(DescribeMachine, ArchAloneAssumesThatArchitecturesBaseline) {
  MachineSpec s;
  s.host_cpuinfo = fixture("zen3-epyc-milan-vm");
  s.arch = "arm64";
  auto d = describe_machine(s, model());
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(d->machine.arch, "arm64");
  EXPECT_EQ(d->cpu_name, "aarch64");
  EXPECT_EQ(d->machine.features, model().find("aarch64")->features);
  EXPECT_EQ(d->machine.features.count("avx2"), 0u);
}

TEST(DescribeMachine, GpuAndRocm) {
  TempDir dir;
  std::string proc = (dir.path() / "version").string();
  ASSERT_TRUE(
      write_file_atomic(proc, "NVRM version: NVIDIA UNIX x86_64 Kernel Module  387.26  Thu Nov  2 2017\n").ok());
  MachineSpec s;
  s.cpu = "haswell";
  s.gpu_host = true;
  s.host_nvidia_version = proc;
  s.rocm = "2.6.22";
  auto d = describe_machine(s, model());
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(d->machine.nvidia_driver->text, "387.26");
  EXPECT_EQ(d->machine.rocm->text, "2.6.22");
  s.host_nvidia_version = (dir.path() / "missing").string();
  d = describe_machine(s, model());
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(d->machine.nvidia_driver.has_value());
  ASSERT_EQ(d->warnings.size(), 1u);
  EXPECT_NE(d->warnings[0].find("no NVIDIA driver loaded"), std::string::npos);
}

TEST(DescribeMachine, WrongInputIsAnError) {
  MachineSpec two;
  two.cpu = "haswell";
  two.cpu_flags = "avx";
  EXPECT_EQ(describe_machine(two, model()).error().message(), "give only one of --cpu, --cpuinfo and --cpu-flags");
  MachineSpec typo;
  typo.cpu = "skylak";
  EXPECT_NE(describe_machine(typo, model()).error().message().find("did you mean 'skylake'"), std::string::npos);
  MachineSpec bad_driver;
  bad_driver.cpu = "haswell";
  bad_driver.nvidia_driver = "387.26beta";
  EXPECT_NE(describe_machine(bad_driver, model()).error().message().find("malformed NVIDIA driver version"),
            std::string::npos);
}

}  // namespace
}  // namespace dl::cpu
