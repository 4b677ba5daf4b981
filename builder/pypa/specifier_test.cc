#include <gtest/gtest.h>

#include "builder/pypa/version.h"

namespace dl::pypa {
namespace {

SpecifierSet S(const char* s) {
  auto r = SpecifierSet::parse(s);
  EXPECT_TRUE(r.ok()) << s << ": " << r.error().message();
  return r.ok() ? *r : SpecifierSet();
}
Version V(const char* s) { return *Version::parse(s); }

struct Row {
  const char* spec;
  const char* version;
  bool match;  // with default pre-release handling
};

TEST(Specifier, ContainsTable) {
  const Row rows[] = {
      // == exact, trailing zeros, locals
      {"==1.5.0", "1.5.0", true},
      {"==1.5.0", "1.5", true},
      {"==1.5.0", "1.5.0+cu92", true},
      {"==1.5.0+cu92", "1.5.0+cu92", true},
      {"==1.5.0+cu92", "1.5.0", false},
      {"==1.5.0+cu92", "1.5.0+cu100", false},
      {"==1.5.0", "1.5.0.post1", false},
      {"== 1.5.0", "1.5.0", true},
      {"==v1.5", "1.5", true},
      // prefix matching
      {"==1.6.*", "1.6.0", true},
      {"==1.6.*", "1.6", true},
      {"==1.6.*", "1.6.5", true},
      {"==1.6.*", "1.6.0.post1", true},
      {"==1.6.*", "1.7.0", false},
      {"==1.6.*", "1.60", false},
      {"==1.6.*", "1.6.0rc1", false},
      {"==1.6.*", "1.6.0+cu90", true},
      {"==1.0.*", "1", true},
      {"==1.0.0.*", "1.0", true},
      {"==1.1.*", "1", false},
      {"==2.*", "2.0rc1", false},
      {"!=1.6.*", "1.6.3", false},
      {"!=1.6.*", "1.7", true},
      {"!=1.5.0", "1.5.0+cu92", false},
      {"!=1.5.0", "1.5.1", true},
      // ordered comparisons
      {">=1.0", "1.0", true},
      {">=1.0", "0.9", false},
      {">=1.0", "1.0+local", true},
      {"<=1.0", "1.0+local", true},
      {">1.5.0", "1.5.0+x", false},
      {">1.5.0", "1.5.1", true},
      {">1.5.0", "1.5.0.post1", false},
      {">1.5.0.post1", "1.5.0.post2", true},
      {">1.5", "1.5.1+x", true},
      {"<2.0", "2.0rc1", false},
      {"<2.0", "1.9", true},
      {"<2.0rc2", "2.0rc1", false} /* < never opts in */,
      {"<2.0", "2.0", false},
      {"<2.0", "1.9.post1", true},
      // compatible release
      {"~=2.2", "2.3", true},
      {"~=2.2", "3.0", false},
      {"~=2.2", "2.1", false},
      {"~=2.2.1", "2.2.5", true},
      {"~=2.2.1", "2.3", false},
      {"~=2.2.post3", "2.2.post4", true},
      {"~=2.2.post3", "2.2", false},
      {"~=1.4.5a4", "1.4.6", true},
      {"~=1!2.3", "1!2.9", true},
      {"~=1!2.3", "2.9", false},
      // arbitrary equality
      {"===1.0", "1.0", true},
      {"===1.0", "1.0.0", false},
      {"===1.0+CU92", "1.0+cu92", true},
      // sets
      {">=1.0,<2.0", "1.5", true},
      {">=1.0,<2.0", "2.0", false},
      {">=1.0, !=1.3.*, <2", "1.3.4", false},
      {"", "3.0", true},
      // pre-releases: excluded unless a clause mentions one
      {">=1.0", "2.0b1", false},
      {">=1.0b1", "2.0b1", true},
      {">=1.0b1,<3", "2.0b1", true},
      {"", "1.0rc1", false},
      {"==2.0rc1", "2.0rc1", true},
      {"!=2.0rc1", "2.0rc2", false},
      {">=1.0", "1.5.dev1", false},
      {"==2.0rc1.*", "2.0rc1", true},
  };
  for (const auto& r : rows) EXPECT_EQ(S(r.spec).contains(V(r.version)), r.match) << r.spec << " ~ " << r.version;
}

TEST(Specifier, PrereleaseFlags) {
  EXPECT_TRUE(S(">=1.0").contains(V("2.0b1"), true));
  EXPECT_FALSE(S(">=1.0b1").contains(V("2.0b1"), false));
  EXPECT_EQ(S("").prereleases(), std::nullopt);
  EXPECT_EQ(S(">=1").prereleases(), false);
  EXPECT_EQ(S(">=1,<2.0rc1").prereleases(), false);  // < does not opt in
  EXPECT_EQ(S("<=2.0rc1").prereleases(), true);
  EXPECT_EQ(S("===2.0rc1").prereleases(), true);
}

TEST(Specifier, FilterFallsBackToPrereleasesOnlyForEmptySet) {
  std::vector<Version> only_pre{V("1.0a1"), V("1.0b2")};
  EXPECT_EQ(S("").filter(only_pre), (std::vector<size_t>{0, 1}));
  EXPECT_TRUE(S("").filter(only_pre, false).empty());
  EXPECT_TRUE(S(">=0.5").filter(only_pre).empty());  // packaging 21.3: no fallback with clauses
  EXPECT_EQ(S(">=0.5").filter(only_pre, true), (std::vector<size_t>{0, 1}));
  std::vector<Version> mixed{V("1.0a1"), V("0.9"), V("1.1rc1")};
  EXPECT_EQ(S("").filter(mixed), (std::vector<size_t>{1}));
  EXPECT_EQ(S(">=0.5").filter(mixed), (std::vector<size_t>{1}));
  EXPECT_EQ(S(">=1.0a1").filter(mixed), (std::vector<size_t>{0, 2}));
  EXPECT_TRUE(S("<2.0rc2").contains(V("2.0rc1"), true));
}

TEST(Specifier, ParseErrorsAndStr) {
  const char* bad[] = {"1.0",     ">>1.0",        "=<1.0",         "~=1", "~=1.0+local", ">=1.0+local", ">=1.*",
                       "==1.*.0", "==1.0.dev1.*", "==1.0+local.*", ">=",  ">=1.0,<>2",   "==1.0 1"};
  for (const char* b : bad) {
    auto r = SpecifierSet::parse(b);
    EXPECT_FALSE(r.ok()) << b;
    if (!r.ok()) {
      EXPECT_NE(r.error().message().find(std::string("'") + b + "'"), std::string::npos) << r.error().message();
    }
  }
  auto e = SpecifierSet::parse(">=1.0,<>2");
  EXPECT_EQ(e.error().message(),
            "invalid specifier '>=1.0,<>2': clause '<>2': expected an operator (~= == != <= >= < > ===) followed by "
            "a version");
  EXPECT_EQ(S(" >= 1.0 , <2 ").str(), ">=1.0,<2");
  EXPECT_EQ(S(">=1.0,,<2").specifiers().size(), 2u);
  EXPECT_TRUE(S("  ").empty());
  auto one = Specifier::parse("==1.6.*");
  ASSERT_TRUE(one.ok());
  EXPECT_TRUE(one->is_prefix());
  EXPECT_EQ(one->op(), Specifier::Op::equal);
  EXPECT_EQ(one->str(), "==1.6.*");
}

}  // namespace
}  // namespace dl::pypa
