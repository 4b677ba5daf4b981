#include "builder/cpu/cpuinfo.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "base/fs.h"

namespace dl::cpu {
namespace {

std::string fixture(const std::string& name) { return std::string(DL_SOURCE_DIR) + "/tests/fixtures/cpuinfo/" + name; }

const CpuModel& model() {
  static const CpuModel m = std::move(CpuModel::embedded()).value();
  return m;
}

struct Expected {
  const char* file;
  const char* vendor;
  const char* arch;
};
// tests/fixtures/cpuinfo/README.md has the same table and the provenance.
const Expected kFixtures[] = {
    {"westmere-xeon-x5650", "GenuineIntel", "westmere"},
    {"sandybridge-core-i7-2600", "GenuineIntel", "sandybridge"},
    {"ivybridge-core-i7-3770", "GenuineIntel", "ivybridge"},
    {"haswell-xeon-e5-2660v3-vm", "GenuineIntel", "haswell"},
    {"broadwell-xeon-e5-2686v4-vm", "GenuineIntel", "broadwell"},
    {"skylake-sp-xeon-platinum-8175m-vm", "GenuineIntel", "skylake_avx512"},
    {"cascadelake-xeon-gold-6248", "GenuineIntel", "cascadelake"},
    {"icelake-xeon-platinum-8375c-vm", "GenuineIntel", "icelake"},
    {"alderlake-core-i5-12400", "GenuineIntel", "alderlake"},
    {"sapphirerapids-xeon-platinum-8457c-vm", "GenuineIntel", "sapphirerapids"},
    {"zen2-epyc-7502p", "AuthenticAMD", "zen2"},
    {"zen3-ryzen-9-5950x", "AuthenticAMD", "zen3"},
    {"zen3-epyc-milan-vm", "AuthenticAMD", "zen3"},
    {"zen4-epyc-9r14-vm", "AuthenticAMD", "zen4"},
    {"vm-haswell-avx2-masked-xeon-e5-2680v3", "GenuineIntel", "ivybridge"},
    {"vm-ivybridge-avx-masked-xeon-e5-2667v2", "GenuineIntel", "westmere"},
};

TEST(CpuInfo, EachFixtureIsItsMicroarchitecture) {
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(fixture("")))
    // *-aarch64 fixtures (no x86 microarchitecture) are checked in arch_test.cc.
    if (e.path().filename() != "README.md" && !e.path().filename().string().ends_with("-aarch64")) ++files;
  EXPECT_EQ(files, std::size(kFixtures)) << "every saved cpuinfo needs an expectation here";
  for (const auto& x : kFixtures) {
    auto info = read_cpuinfo(fixture(x.file));
    ASSERT_TRUE(info.ok()) << info.error().message();
    EXPECT_EQ(info->vendor, x.vendor) << x.file;
    EXPECT_FALSE(info->model_name.empty()) << x.file;
    const auto* best = model().best_match(model().canonical_flags(info->flags), info->vendor);
    ASSERT_NE(best, nullptr) << x.file;
    EXPECT_EQ(best->name, x.arch) << x.file;
  }
}

TEST(CpuInfo, MaskedVmKeepsItsModelNameButNotAvx2) {
  auto info = read_cpuinfo(fixture("vm-haswell-avx2-masked-xeon-e5-2680v3"));
  ASSERT_TRUE(info.ok());
  EXPECT_NE(info->model_name.find("E5-2680 v3"), std::string::npos);  // a Haswell by name
  EXPECT_EQ(info->flags.count("avx"), 1u);
  EXPECT_EQ(info->flags.count("avx2"), 0u);
  EXPECT_EQ(info->flags.count("bmi2"), 0u);
}

TEST(CpuInfo, OnlyTheFirstProcessorIsRead) {
  auto info = parse_cpuinfo(
      "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: A\nflags\t\t: sse sse2\n\n"
      "processor\t: 1\nvendor_id\t: GenuineIntel\nmodel name\t: B\nflags\t\t: sse sse2 avx\n",
      "x");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->model_name, "A");
  EXPECT_EQ(info->flags, (FeatureSet{"sse", "sse2"}));
}

TEST(CpuInfo, Aarch64FeaturesLine) {
  auto info = parse_cpuinfo(
      "processor\t: 0\nBogoMIPS\t: 243.75\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp "
      "cpuid asimdrdm lrcpc dcpop asimddp ssbs\nCPU implementer\t: 0x41\nCPU part\t: 0xd0c\n",
      "graviton2");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->vendor, "ARM");
  EXPECT_EQ(model().best_match(info->flags, info->vendor)->name, "neoverse_n1");
}

TEST(CpuInfo, TextWithoutFlagsIsAnError) {
  auto info = parse_cpuinfo("processor\t: 0\nvendor_id\t: GenuineIntel\n", "dump.txt");
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().message().rfind("dump.txt:", 0), 0u) << info.error().message();
  EXPECT_FALSE(read_cpuinfo("/nonexistent/cpuinfo").ok());
}

TEST(CpuInfo, FlagListAcceptsSpacesAndCommas) {
  EXPECT_EQ(parse_flag_list(" avx, AVX2\tfma "), (FeatureSet{"avx", "avx2", "fma"}));
  EXPECT_TRUE(parse_flag_list("").empty());
}

FeatureSet skylake_sp() { return model().find("skylake_avx512")->features; }

TEST(OsState, NoOsxsaveDropsEveryVexExtension) {
  FeatureSet f = skylake_sp();
  f.insert("amx_tile");
  auto removed = apply_os_state(f, OsState{false, 0});
  for (const char* gone : {"avx", "avx2", "fma", "f16c", "avx512f", "avx512vl", "amx_tile"}) {
    EXPECT_EQ(f.count(gone), 0u) << gone;
    EXPECT_NE(std::find(removed.begin(), removed.end(), gone), removed.end()) << gone;
  }
  for (const char* kept : {"sse4_2", "aes", "pclmulqdq", "bmi2", "popcnt"}) EXPECT_EQ(f.count(kept), 1u) << kept;
}

TEST(OsState, AvxEnabledButNotAvx512) {
  FeatureSet f = skylake_sp();
  apply_os_state(f, OsState{true, 0x7});  // x87, SSE, AVX
  EXPECT_EQ(f.count("avx2"), 1u);
  EXPECT_EQ(f.count("fma"), 1u);
  EXPECT_EQ(f.count("avx512f"), 0u);
  EXPECT_EQ(f.count("avx512bw"), 0u);
}

TEST(OsState, FullStateKeepsEverything) {
  FeatureSet f = skylake_sp();
  auto removed = apply_os_state(f, OsState{true, 0xe7});
  EXPECT_TRUE(removed.empty());
  EXPECT_EQ(f, skylake_sp());
  // xcr0 without OSXSAVE means nothing: xgetbv was not usable.
  apply_os_state(f, OsState{false, 0xe7});
  EXPECT_EQ(f.count("avx"), 0u);
}

TEST(Host, DetectionAgreesWithTheCpu) {
  auto host = detect_host();
  ASSERT_TRUE(host.ok()) << host.error().message();
  EXPECT_FALSE(host->info.flags.empty());
  EXPECT_FALSE(host->info.vendor.empty());
#if defined(__x86_64__)
  // The kernel and the CPU agree on what matters here, after the OS mask.
  auto cpu = cpuid_info();
  ASSERT_TRUE(cpu.ok());
  FeatureSet direct = cpu->flags;
  apply_os_state(direct, host->os);
  for (const char* f : {"sse2", "ssse3", "sse4_1", "sse4_2", "avx", "avx2", "fma", "avx512f"})
    EXPECT_EQ(host->info.flags.count(f), direct.count(f)) << f;
  EXPECT_EQ(cpu->vendor, host->info.vendor);
  if (host->info.flags.count("avx")) {
    EXPECT_TRUE(host->os.osxsave);
    EXPECT_EQ(host->os.xcr0 & 0x6, 0x6u);
  }
  // Without /proc/cpuinfo the CPU's own report is used.
  auto fallback = detect_host("/nonexistent/cpuinfo");
  ASSERT_TRUE(fallback.ok());
  EXPECT_EQ(fallback->info.source, "cpuid");
  EXPECT_EQ(fallback->info.flags.count("sse2"), 1u);
#endif
}

}  // namespace
}  // namespace dl::cpu
