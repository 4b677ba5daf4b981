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
