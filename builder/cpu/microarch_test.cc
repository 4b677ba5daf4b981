#include "builder/cpu/microarch.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "base/fs.h"
#include "builder/cpu/embedded.h"

namespace dl::cpu {
namespace {

const CpuModel& model() {
  static const CpuModel m = [] {
    auto r = CpuModel::embedded();
    EXPECT_TRUE(r.ok()) << r.error().message();
    return std::move(r).value();
  }();
  return m;
}

FeatureSet flags(std::initializer_list<const char*> fs) { return FeatureSet(fs.begin(), fs.end()); }

TEST(CpuModel, EmbeddedCopyIsTheDataFile) {
  auto disk = read_file(std::string(DL_SOURCE_DIR) + "/data/microarchitectures.yaml");
  ASSERT_TRUE(disk.ok());
  EXPECT_EQ(*disk, embedded_microarchitectures_yaml());
}

TEST(CpuModel, HasEveryRequiredMicroarchitecture) {
  for (const char* name :
       {"x86_64",         "x86_64_v2",     "x86_64_v3",     "x86_64_v4",  "nehalem",   "westmere",       "sandybridge",
        "ivybridge",      "haswell",       "broadwell",     "skylake",    "mic_knl",   "skylake_avx512", "cannonlake",
        "cascadelake",    "icelake",       "tigerlake",     "cooperlake", "alderlake", "raptorlake",     "meteorlake",
        "sapphirerapids", "emeraldrapids", "graniterapids", "k10",        "bulldozer", "piledriver",     "steamroller",
        "excavator",      "zen",           "zen2",          "zen3",       "zen4",      "zen5",           "neoverse_n1",
        "neoverse_v1",    "neoverse_v2"}) {
    const auto* a = model().find(name);
    ASSERT_NE(a, nullptr) << name;
    EXPECT_EQ(a->name, name);
  }
}

TEST(CpuModel, NamesAndAliasesAreCaseInsensitive) {
  for (const char* alias : {"SandyBridge", "snb", "Sandy Bridge", "SANDYBRIDGE"})
    EXPECT_EQ(model().find(alias)->name, "sandybridge") << alias;
  EXPECT_EQ(model().find("hsw")->name, "haswell");
  EXPECT_EQ(model().find("skl")->name, "skylake");
  EXPECT_EQ(model().find("bdw")->name, "broadwell");
  EXPECT_EQ(model().find("ivb")->name, "ivybridge");
  EXPECT_EQ(model().find("wsm")->name, "westmere");
  EXPECT_EQ(model().find("nhm")->name, "nehalem");
  EXPECT_EQ(model().find("amdfam10")->name, "k10");
  EXPECT_EQ(model().find("graviton2")->name, "neoverse_n1");
  EXPECT_EQ(model().find("no-such-cpu"), nullptr);
}

TEST(CpuModel, UnknownNameSuggestsTheNearest) {
  auto r = model().lookup("haswel");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("unknown microarchitecture 'haswel'"), std::string::npos) << r.error().message();
  EXPECT_NE(r.error().message().find("did you mean 'haswell'"), std::string::npos) << r.error().message();
}

TEST(CpuModel, EveryChildHasItsParentsFeatures) {
  for (const auto& a : model().all())
    for (const auto& p : a.parents) {
      const auto* parent = model().find(p);
      ASSERT_NE(parent, nullptr) << a.name << " -> " << p;
      EXPECT_TRUE(std::includes(a.features.begin(), a.features.end(), parent->features.begin(), parent->features.end()))
          << a.name << " lacks some of " << p;
    }
}

TEST(CpuModel, KnownFeatureFacts) {
  auto has = [](const char* arch, const char* f) { return model().find(arch)->features.count(f) == 1; };
  EXPECT_FALSE(has("westmere", "avx"));
  EXPECT_TRUE(has("westmere", "aes"));
  EXPECT_TRUE(has("sandybridge", "avx"));
  EXPECT_FALSE(has("ivybridge", "avx2"));
  EXPECT_TRUE(has("haswell", "avx2") && has("haswell", "fma") && has("haswell", "bmi2"));
  EXPECT_TRUE(has("skylake_avx512", "avx512f") && has("skylake_avx512", "avx512vl"));
  EXPECT_TRUE(has("cascadelake", "avx512_vnni"));
  EXPECT_TRUE(has("sapphirerapids", "amx_tile") && has("sapphirerapids", "avx512_bf16"));
  EXPECT_TRUE(has("zen4", "avx512f"));
  EXPECT_FALSE(has("zen3", "avx512f"));
  for (const char* a : {"alderlake", "raptorlake", "meteorlake"})
    for (const auto& f : model().find(a)->features) EXPECT_NE(f.rfind("avx512", 0), 0u) << a << " has " << f;
  EXPECT_EQ(model().find("x86_64_v3")->ancestors, 2u);
}

TEST(CpuModel, FlagSpellingsMapToCpuinfoNames) {
  EXPECT_EQ(model().canonical_flag("SSE4.1"), "sse4_1");
  EXPECT_EQ(model().canonical_flag("sse3"), "pni");
  EXPECT_EQ(model().canonical_flag("avx2"), "avx2");
}

TEST(CpuModel, BestMatchIsTheMostSpecificEntry) {
  const auto& m = model();
  FeatureSet hsw = m.find("haswell")->features;
  EXPECT_EQ(m.best_match(hsw, "GenuineIntel")->name, "haswell");
  EXPECT_EQ(m.best_match(hsw, "")->name, "haswell");
  // Same ISA as alderlake: the older name wins.
  EXPECT_EQ(m.best_match(m.find("raptorlake")->features, "GenuineIntel")->name, "alderlake");
  // A Zen 2 has every Skylake feature; the vendor keeps it a Zen.
  FeatureSet zen2 = m.find("zen2")->features;
  EXPECT_EQ(m.best_match(zen2, "AuthenticAMD")->name, "zen2");
  // Plain SSE2 machine: the generic level.
  EXPECT_EQ(m.best_match(flags({"mmx", "sse", "sse2", "fpu"}), "GenuineIntel")->name, "x86_64");
  EXPECT_EQ(m.best_match(flags({"fpu"}), "GenuineIntel"), nullptr);
}

TEST(CpuModel, UnknownParentIsAnErrorAtItsPosition) {
  auto r = CpuModel::parse(
      "microarchitectures:\n"
      "  broadwell: {vendor: GenuineIntel, arch: amd64, from: [], features: [avx]}\n"
      "  skylake:\n"
      "    vendor: GenuineIntel\n"
      "    from: [brodwell]\n"
      "    features: [avx]\n",
      "t.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "t.yaml:5:12: unknown parent 'brodwell' of 'skylake' (did you mean 'broadwell'?)");
}

TEST(CpuModel, ChildMissingAParentFeatureIsAnError) {
  auto r = CpuModel::parse(
      "microarchitectures:\n"
      "  a: {vendor: generic, arch: amd64, from: [], features: [sse, avx]}\n"
      "  b:\n"
      "    vendor: generic\n"
      "    from: [a]\n"
      "    features: [sse, avx2]\n",
      "t.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("t.yaml:6:15: 'b' lacks features of its parent 'a': avx"), std::string::npos)
      << r.error().message();
}

TEST(CpuModel, DuplicateAliasAndCycleAreErrors) {
  auto dup = CpuModel::parse(
      "microarchitectures:\n"
      "  a: {vendor: generic, aliases: [x], features: []}\n"
      "  b: {vendor: generic, aliases: [X], features: []}\n",
      "t.yaml");
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.error().message().find("t.yaml:3:3: name or alias 'X' of 'b' is already used by 'a'"),
            std::string::npos)
      << dup.error().message();
  auto cycle = CpuModel::parse(
      "microarchitectures:\n"
      "  a: {vendor: generic, from: [b], features: []}\n"
      "  b: {vendor: generic, from: [a], features: []}\n",
      "t.yaml");
  ASSERT_FALSE(cycle.ok());
  EXPECT_NE(cycle.error().message().find("cycle"), std::string::npos) << cycle.error().message();
  auto syntax = CpuModel::parse("microarchitectures: [\n", "t.yaml");
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(syntax.error().message().rfind("t.yaml:", 0), 0u) << syntax.error().message();
}

TEST(CpuModel, ArchIsDeclaredByRootsAndInherited) {
  EXPECT_EQ(model().find("graviton3")->arch, "arm64");
  EXPECT_EQ(model().find("zen4")->arch, "amd64");
  EXPECT_EQ(model().generic_for("arm64")->name, "aarch64");
  EXPECT_EQ(model().generic_for("amd64")->name, "x86_64");
  EXPECT_EQ(model().generic_for("s390x"), nullptr);
  auto rootless = CpuModel::parse("microarchitectures:\n  a: {vendor: generic, features: []}\n", "t.yaml");
  ASSERT_FALSE(rootless.ok());
  EXPECT_EQ(rootless.error().message(), "t.yaml:2:6: 'a' has no parent, so it must say arch: amd64|arm64");
  auto mixed = CpuModel::parse(
      "microarchitectures:\n"
      "  x: {vendor: generic, arch: amd64, features: []}\n"
      "  y: {vendor: generic, arch: arm64, features: []}\n"
      "  z: {vendor: generic, from: [x, y], features: []}\n",
      "t.yaml");
  ASSERT_FALSE(mixed.ok());
  EXPECT_NE(mixed.error().message().find("'z' is amd64 but its parent 'y' is arm64"), std::string::npos)
      << mixed.error().message();
}

TEST(CpuModel, UnknownEntryKeyIsAnErrorWithTheNearestKey) {
  auto r = CpuModel::parse(
      "microarchitectures:\n"
      "  a:\n"
      "    vendor: generic\n"
      "    arch: amd64\n"
      "    feature: [sse]\n",
      "t.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(),
            "t.yaml:5:5: unknown key 'feature' in microarchitecture 'a'; did you mean 'features'?");
}

TEST(CpuModel, SeparatorsDoNotMatterInNames) {
  EXPECT_EQ(model().find("neoverse-n1"), model().find("neoverse_n1"));
  EXPECT_EQ(model().find("NEOVERSE N1"), model().find("neoverse_n1"));
  EXPECT_EQ(model().find("x86-64-v3"), model().find("x86_64_v3"));
}

TEST(CpuModel, IsaFeaturesMustBeKnownFlags) {
  auto m = CpuModel::embedded();
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(
      check_isa_features(*m, {{"generic", {}}, {"avx2", {"avx", "avx2", "fma"}}, {"sse", {"sse4.1"}}}, "m.yaml").ok());
  auto bad = check_isa_features(*m, {{"avx512", {"avx", "avx512"}}}, "m.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("m.yaml: isa avx512: feature 'avx512'"), std::string::npos)
      << bad.error().message();
  EXPECT_NE(bad.error().message().find("did you mean 'avx512"), std::string::npos) << bad.error().message();
}

}  // namespace
}  // namespace dl::cpu
