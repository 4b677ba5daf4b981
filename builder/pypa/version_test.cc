#include "builder/pypa/version.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace dl::pypa {
namespace {

Version V(const char* s) {
  auto v = Version::parse(s);
  EXPECT_TRUE(v.ok()) << s << ": " << v.error().message();
  return v.ok() ? *v : Version();
}

TEST(Version, Normalisation) {
  const std::pair<const char*, const char*> cases[] = {
      {"1.0", "1.0"},
      {"v1.0", "1.0"},
      {"  1.0\n", "1.0"},
      {"2.0.0-beta1", "2.0.0b1"},
      {"1.0alpha", "1.0a0"},
      {"1.0ALPHA2", "1.0a2"},
      {"1.0-a.1", "1.0a1"},
      {"1.0.beta_2", "1.0b2"},
      {"1.0c1", "1.0rc1"},
      {"1.0pre3", "1.0rc3"},
      {"1.0preview", "1.0rc0"},
      {"1.0RC1", "1.0rc1"},
      {"1.0-1", "1.0.post1"},
      {"1.0post", "1.0.post0"},
      {"1.0.rev2", "1.0.post2"},
      {"1.0-r_3", "1.0.post3"},
      {"1.0.dev", "1.0.dev0"},
      {"1.0-dev.4", "1.0.dev4"},
      {"1.0a1.post2.dev3", "1.0a1.post2.dev3"},
      {"1!2.0", "1!2.0"},
      {"0!2.0", "2.0"},
      {"01.002.0003", "1.2.3"},
      {"1.0+ubuntu-1", "1.0+ubuntu.1"},
      {"1.0+Cu92", "1.0+cu92"},
      {"1.5.0+cu92", "1.5.0+cu92"},
      {"1.0+abc_007", "1.0+abc.7"},
      {"1.0_post1", "1.0.post1"},
      {"1.0a.", "1.0a0"},
      {"1.0rc.dev", "1.0rc0.dev0"},
  };
  for (const auto& [in, want] : cases) EXPECT_EQ(V(in).str(), want) << in;
  Version v = V("1!2.0rc1.post2.dev3+cu92.1");
  EXPECT_EQ(v.public_str(), "1!2.0rc1.post2.dev3");
  EXPECT_EQ(v.base_str(), "1!2.0");
  EXPECT_EQ(v.epoch(), 1u);
  EXPECT_TRUE(v.is_prerelease());
  EXPECT_TRUE(v.is_postrelease());
  EXPECT_TRUE(v.is_devrelease());
  EXPECT_TRUE(v.has_local());
  EXPECT_FALSE(V("1.0.post1").is_prerelease());
  EXPECT_TRUE(V("1.0.dev1").is_prerelease());
}

TEST(Version, InvalidNamesTextAndExpectation) {
  const char* bad[] = {"",
                       "   ",
                       "1.0.",
                       "1.0a..",
                       "a1.0",
                       "1.0+",
                       "1.0+abc..1",
                       "1.0-",
                       "1..0",
                       "1.0 beta",
                       "1.0dev1a",
                       "1.0.post1.post2",
                       "1.0-beta-beta",
                       "1.*",
                       "1!",
                       "1.0+a b",
                       "99999999999999999999999.0",
                       "1.0.dev1+",
                       "=1.0"};
  for (const char* b : bad) {
    auto v = Version::parse(b);
    EXPECT_FALSE(v.ok()) << "'" << b << "' parsed as " << (v.ok() ? v->str() : "");
    if (!v.ok()) {
      EXPECT_NE(v.error().message().find("'" + std::string(b) + "'"), std::string::npos) << v.error().message();
      EXPECT_NE(v.error().message().find("expected"), std::string::npos) << v.error().message();
      EXPECT_EQ(v.error().kind(), ErrorKind::invalid_input);
    }
  }
  EXPECT_EQ(Version::parse("1.0 beta").error().message(),
            "invalid version '1.0 beta': unexpected ' ' at offset 4 (expected a pre-, post- or dev-release "
            "suffix, '+local', or end of version)");
}

// The ascending list from PEP 440 / packaging's test suite.
TEST(Version, TotalOrderFromSpec) {
  const char* ordered[] = {
      "1.0.dev456",
      "1.0a1",
      "1.0a2.dev456",
      "1.0a12.dev456",
      "1.0a12",
      "1.0b1.dev456",
      "1.0b2",
      "1.0b2.post345.dev456",
      "1.0b2.post345",
      "1.0b2-346",
      "1.0c1.dev456",
      "1.0c1",
      "1.0rc2",
      "1.0c3",
      "1.0",
      "1.0.post456.dev34",
      "1.0.post456",
      "1.1.dev1",
      "1.2+123abc",
      "1.2+123abc456",
      "1.2+abc",
      "1.2+abc123",
      "1.2+abc123def",
      "1.2+1234.abc",
      "1.2+123456",
      "1.2.r32+123456",
      "1.2.rev33+123456",
      "1!1.0b2.post345.dev456",
      "1!1.0b2.post345",
      "1!1.0",
      "1!1.0.post456",
      "1!1.2.rev33+123456",
  };
  const size_t n = sizeof(ordered) / sizeof(ordered[0]);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) {
      Version a = V(ordered[i]), b = V(ordered[j]);
      EXPECT_EQ(a.compare(b), i < j ? -1 : (i == j ? 0 : 1)) << ordered[i] << " vs " << ordered[j];
    }
  }
  // Sorting a shuffled copy restores the order.
  std::vector<Version> vs;
  for (size_t i = n; i-- > 0;) vs.push_back(V(ordered[(i * 7) % n]));
  std::sort(vs.begin(), vs.end());
  for (size_t i = 0; i < n; ++i) EXPECT_EQ(vs[i].str(), V(ordered[i]).str());
}

TEST(Version, EqualityIgnoresTrailingZerosAndSpelling) {
  EXPECT_EQ(V("1.0"), V("1.0.0.0"));
  EXPECT_EQ(V("1"), V("1.0"));
  EXPECT_EQ(V("1.0alpha1"), V("1.0a1"));
  EXPECT_EQ(V("1.0+ABC.01"), V("1.0+abc.1"));
  EXPECT_LT(V("1.0"), V("1.0+0"));
  EXPECT_LT(V("1.0+a"), V("1.0+a.0"));
  EXPECT_LT(V("1.0.dev1"), V("1.0a1.dev1"));
  EXPECT_LT(V("1.0rc1"), V("1.0"));
  EXPECT_LT(V("1.0"), V("1.0.post0"));
  EXPECT_LT(V("1.0.post0.dev1"), V("1.0.post0"));
  EXPECT_LT(V("9.0"), V("10.0"));
  EXPECT_LT(V("2.0"), V("1!0.1"));
  EXPECT_LT(V("1.0+99999999999999999999999"), V("1.0+100000000000000000000000"));
}

}  // namespace
}  // namespace dl::pypa
