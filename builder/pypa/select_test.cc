#include "builder/pypa/select.h"

#include <gtest/gtest.h>

namespace dl::pypa {
namespace {

SupportedTags cp36() { return SupportedTags(*Interpreter::make("3.6", "cp36m", "2.17")); }
SpecifierSet S(const char* s) { return *SpecifierSet::parse(s); }

std::vector<Candidate> files(std::initializer_list<const char*> names) {
  std::vector<Candidate> out;
  for (const char* n : names) out.push_back({n, false, "", ""});
  return out;
}

std::string winner(const Selection& s, const std::vector<Candidate>& c) {
  return s.winner ? c[*s.winner].filename : "(none)";
}

std::string reason(const Selection& s, const std::string& file) {
  for (const auto& r : s.rejections) {
    if (r.filename == file) return r.reason;
  }
  return "(accepted)";
}

TEST(Select, FiltersByNameSpecifierAndTagsWithReasons) {
  auto c = files({
      "tensorflow-1.6.0-cp27-cp27mu-linux_x86_64.whl",
      "tensorflow-1.6.0-cp36-cp36m-manylinux1_x86_64.whl",
      "tensorflow-1.7.0-cp36-cp36m-manylinux1_x86_64.whl",
      "tensorflow-1.6.0rc1-cp36-cp36m-manylinux1_x86_64.whl",
      "tensorflow_gpu-1.6.0-cp36-cp36m-manylinux1_x86_64.whl",
      "tensorflow-1.6.0-cp36-cp36m-macosx_10_11_x86_64.whl",
      "tensorflow-1.6.0-cp36-cp36dm-manylinux1_x86_64.whl",
      "tensorflow-1.6.0-cp36-cp36m-manylinux_2_24_x86_64.whl",
      "garbage.whl",
  });
  auto s = select_wheel("TensorFlow", S("==1.6.*"), c, cp36());
  EXPECT_EQ(winner(s, c), "tensorflow-1.6.0-cp36-cp36m-manylinux1_x86_64.whl");
  EXPECT_EQ(s.wheel->version.str(), "1.6.0");
  EXPECT_EQ(reason(s, c[0].filename), "python tag cp27 not supported");
  EXPECT_EQ(reason(s, c[2].filename), "version 1.7.0 not in ==1.6.*");
  EXPECT_EQ(reason(s, c[3].filename),
            "version 1.6.0rc1 is a pre-release (allow pre-releases or name one in the specifier)");
  EXPECT_EQ(reason(s, c[4].filename), "wrong project name (not TensorFlow)");
  EXPECT_EQ(reason(s, c[5].filename), "platform tag macosx_10_11_x86_64 not supported");
  EXPECT_EQ(reason(s, c[6].filename), "abi tag cp36dm not supported");
  EXPECT_EQ(reason(s, c[7].filename), "platform tag manylinux_2_24_x86_64 not supported");  // glibc too old
  EXPECT_NE(reason(s, "garbage.whl").find("dash-separated parts"), std::string::npos);
  EXPECT_EQ(s.rejections.size(), 8u);
}

TEST(Select, NoWinnerExplainsEveryRejection) {
  auto c = files({"tensorflow-1.6.0-cp27-cp27mu-linux_x86_64.whl", "tensorflow-1.7.0-cp36-cp36m-linux_x86_64.whl"});
  auto r = choose_wheel("tensorflow", S("==1.6.*"), c, cp36());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), ErrorKind::not_found);
  EXPECT_EQ(r.error().message(),
            "no wheel for tensorflow==1.6.* matches cp36-cp36m-manylinux_2_17_x86_64: "
            "tensorflow-1.6.0-cp27-cp27mu-linux_x86_64.whl (python tag cp27 not supported); "
            "tensorflow-1.7.0-cp36-cp36m-linux_x86_64.whl (version 1.7.0 not in ==1.6.*)");
  auto empty = choose_wheel("six", S(""), {}, cp36());
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message().find("no candidate files"), std::string::npos);
}

TEST(Select, HighestVersionThenTagPriorityThenBuildTag) {
  // A newer version beats a better tag.
  auto c1 = files({"numpy-1.19.5-cp36-cp36m-manylinux2010_x86_64.whl",
                   "numpy-1.19.4-cp36-cp36m-manylinux2014_x86_64.whl", "numpy-1.19.6-py3-none-any.whl"});
  auto s1 = select_wheel("numpy", S(""), c1, cp36());
  EXPECT_EQ(winner(s1, c1), "numpy-1.19.6-py3-none-any.whl");
  // Same version: the most preferred tag wins (2014 > 2010 > 1 > linux > abi3 > py3-none-any).
  auto c2 = files({"numpy-1.19.5-py3-none-any.whl", "numpy-1.19.5-cp36-abi3-manylinux2014_x86_64.whl",
                   "numpy-1.19.5-cp36-cp36m-linux_x86_64.whl", "numpy-1.19.5-cp36-cp36m-manylinux1_x86_64.whl",
                   "numpy-1.19.5-cp36-cp36m-manylinux2010_x86_64.whl"});
  auto s2 = select_wheel("numpy", S(">=1.0"), c2, cp36());
  EXPECT_EQ(winner(s2, c2), "numpy-1.19.5-cp36-cp36m-manylinux2010_x86_64.whl");
  std::vector<std::string> order;
  for (size_t i : s2.applicable) order.push_back(c2[i].filename);
  EXPECT_EQ(order, (std::vector<std::string>{
                       "numpy-1.19.5-cp36-cp36m-manylinux2010_x86_64.whl",
                       "numpy-1.19.5-cp36-cp36m-manylinux1_x86_64.whl", "numpy-1.19.5-cp36-cp36m-linux_x86_64.whl",
                       "numpy-1.19.5-cp36-abi3-manylinux2014_x86_64.whl", "numpy-1.19.5-py3-none-any.whl"}));
  // A compressed tag set ranks by its best member.
  auto c3 = files({"six-1.0-py3-none-any.whl", "six-1.0-py2.py36-none-any.whl"});
  EXPECT_EQ(winner(select_wheel("six", S(""), c3, cp36()), c3), "six-1.0-py2.py36-none-any.whl");
  // Same version and tag: build tag decides, compared as (int, str); none loses.
  auto c4 = files({"pkg-1.0-2-py3-none-any.whl", "pkg-1.0-10-py3-none-any.whl", "pkg-1.0-py3-none-any.whl",
                   "pkg-1.0-9zz-py3-none-any.whl"});
  EXPECT_EQ(winner(select_wheel("pkg", S(""), c4, cp36()), c4), "pkg-1.0-10-py3-none-any.whl");
  // ...but a better tag beats a higher build.
  auto c5 = files({"pkg-1.0-99-py3-none-any.whl", "pkg-1.0-1-cp36-none-any.whl"});
  EXPECT_EQ(winner(select_wheel("pkg", S(""), c5, cp36()), c5), "pkg-1.0-1-cp36-none-any.whl");
  // Equal keys: the first listed wins, as Python's max() does.
  auto c6 = files({"pkg-1.0-py3-none-any.whl", "pkg-1.0.0-py3-none-any.whl"});
  EXPECT_EQ(winner(select_wheel("pkg", S(""), c6, cp36()), c6), "pkg-1.0-py3-none-any.whl");
}

TEST(Select, PrereleasePolicy) {
  auto only_pre = files({"pkg-2.0rc1-py3-none-any.whl", "pkg-2.0b1-py3-none-any.whl"});
  // No specifier: pip falls back to pre-releases when nothing else exists.
  EXPECT_EQ(winner(select_wheel("pkg", S(""), only_pre, cp36()), only_pre), "pkg-2.0rc1-py3-none-any.whl");
  // With a clause that names no pre-release there is no fall-back (pip 23).
  auto none = select_wheel("pkg", S(">=1.0"), only_pre, cp36());
  EXPECT_FALSE(none.winner.has_value());
  EXPECT_EQ(reason(none, "pkg-2.0b1-py3-none-any.whl"),
            "version 2.0b1 is a pre-release (allow pre-releases or name one in the specifier)");
  SelectPolicy pre;
  pre.allow_prereleases = true;
  EXPECT_EQ(winner(select_wheel("pkg", S(">=1.0"), only_pre, cp36(), pre), only_pre), "pkg-2.0rc1-py3-none-any.whl");
  EXPECT_EQ(winner(select_wheel("pkg", S(">=2.0b1"), only_pre, cp36()), only_pre), "pkg-2.0rc1-py3-none-any.whl");
  // A final release beats newer pre-releases unless they are allowed.
  auto mixed = files({"pkg-2.0rc1-py3-none-any.whl", "pkg-1.9-py3-none-any.whl"});
  EXPECT_EQ(winner(select_wheel("pkg", S(""), mixed, cp36()), mixed), "pkg-1.9-py3-none-any.whl");
  EXPECT_EQ(winner(select_wheel("pkg", S(""), mixed, cp36(), pre), mixed), "pkg-2.0rc1-py3-none-any.whl");
}

TEST(Select, LocalVersions) {
  auto c = files({"torch-1.5.0+cu92-cp36-cp36m-linux_x86_64.whl", "torch-1.5.0-cp36-cp36m-manylinux1_x86_64.whl",
                  "torch-1.4.0+cu92-cp36-cp36m-linux_x86_64.whl"});
  // ==1.5.0 admits 1.5.0+cu92, which sorts above plain 1.5.0 even with a worse tag.
  EXPECT_EQ(winner(select_wheel("torch", S("==1.5.0"), c, cp36()), c), "torch-1.5.0+cu92-cp36-cp36m-linux_x86_64.whl");
  EXPECT_EQ(winner(select_wheel("torch", S("==1.5.0+cu92"), c, cp36()), c),
            "torch-1.5.0+cu92-cp36-cp36m-linux_x86_64.whl");
  // >1.5.0 does not admit 1.5.0+cu92.
  auto gt = select_wheel("torch", S(">1.4.0"), c, cp36());
  EXPECT_EQ(winner(gt, c), "torch-1.5.0+cu92-cp36-cp36m-linux_x86_64.whl");
  EXPECT_FALSE(select_wheel("torch", S(">1.5.0"), c, cp36()).winner.has_value());
  EXPECT_EQ(winner(select_wheel("torch", S("<1.5"), c, cp36()), c), "torch-1.4.0+cu92-cp36-cp36m-linux_x86_64.whl");
}

TEST(Select, YankedAndRequiresPython) {
  std::vector<Candidate> c = {{"pkg-2.0-py3-none-any.whl", true, "broken build", ""},
                              {"pkg-1.0-py3-none-any.whl", false, "", ""}};
  // A yanked file loses to any non-yanked one, whatever its version.
  EXPECT_EQ(winner(select_wheel("pkg", S(""), c, cp36()), c), "pkg-1.0-py3-none-any.whl");
  // ... but is used when it is the only match (PEP 592).
  EXPECT_EQ(winner(select_wheel("pkg", S("==2.0"), c, cp36()), c), "pkg-2.0-py3-none-any.whl");
  SelectPolicy strict;
  strict.allow_yanked = false;
  auto s = select_wheel("pkg", S("==2.0"), c, cp36(), strict);
  EXPECT_FALSE(s.winner.has_value());
  EXPECT_EQ(reason(s, "pkg-2.0-py3-none-any.whl"), "yanked: broken build");

  std::vector<Candidate> rp = {{"pkg-2.0-py3-none-any.whl", false, "", ">=3.7"},
                               {"pkg-1.5-py3-none-any.whl", false, "", ">=3.6.5"},
                               {"pkg-1.0-py3-none-any.whl", false, "", ">=2.7, !=3.0.*"}};
  auto r = select_wheel("pkg", S(""), rp, cp36());
  EXPECT_EQ(winner(r, rp), "pkg-1.0-py3-none-any.whl");
  EXPECT_EQ(reason(r, "pkg-2.0-py3-none-any.whl"), "requires Python >=3.7, target is 3.6");
  SelectPolicy full;
  full.python_full_version = "3.6.9";
  EXPECT_EQ(winner(select_wheel("pkg", S(""), rp, cp36(), full), rp), "pkg-1.5-py3-none-any.whl");
}

TEST(Select, Python2Interpreters) {
  SupportedTags mu(*Interpreter::make("2.7", "cp27mu", "2.17"));
  auto c = files({"pkg-1.0-cp27-cp27m-manylinux1_x86_64.whl", "pkg-1.0-cp27-cp27mu-manylinux1_x86_64.whl",
                  "pkg-1.0-cp27-abi3-manylinux1_x86_64.whl", "pkg-1.0-py2.py3-none-any.whl"});
  auto s = select_wheel("pkg", S(""), c, mu);
  EXPECT_EQ(winner(s, c), "pkg-1.0-cp27-cp27mu-manylinux1_x86_64.whl");
  EXPECT_EQ(reason(s, c[0].filename), "abi tag cp27m not supported");
  EXPECT_EQ(reason(s, c[2].filename), "abi tag abi3 not supported");
}

}  // namespace
}  // namespace dl::pypa
