#include "builder/pypa/wheel_filename.h"

#include <gtest/gtest.h>

#include "builder/pypa/name.h"

namespace dl::pypa {
namespace {

std::vector<std::string> strs(const std::vector<Tag>& tags) {
  std::vector<std::string> out;
  for (const auto& t : tags) out.push_back(t.str());
  return out;
}

TEST(Name, NormaliseAndEscape) {
  EXPECT_EQ(normalize_name("Foo_Bar.baz"), "foo-bar-baz");
  EXPECT_EQ(normalize_name("a--__..b"), "a-b");
  EXPECT_EQ(normalize_name("TensorFlow-GPU"), "tensorflow-gpu");
  EXPECT_EQ(wheel_escape_name("Foo-Bar.baz"), "foo_bar_baz");
  EXPECT_EQ(wheel_escape_name("tensorflow-gpu"), "tensorflow_gpu");
  EXPECT_EQ(wheel_escape_version("1.0-beta"), "1.0_beta");
  EXPECT_TRUE(is_valid_name("a"));
  EXPECT_TRUE(is_valid_name("Foo_Bar.baz-2"));
  for (const char* bad : {"", "-a", "a-", ".a", "a b", "a/b", "ä"}) EXPECT_FALSE(is_valid_name(bad)) << bad;
}

TEST(WheelFilename, ParsesCompressedTagSets) {
  auto w = parse_wheel_filename("six-1.16.0-py2.py3-none-any.whl");
  ASSERT_TRUE(w.ok()) << w.error().message();
  EXPECT_EQ(w->name, "six");
  EXPECT_EQ(w->version.str(), "1.16.0");
  EXPECT_FALSE(w->build.has_value());
  EXPECT_EQ(strs(w->tags), (std::vector<std::string>{"py2-none-any", "py3-none-any"}));

  auto n = parse_wheel_filename("numpy-1.19.5-cp36-cp36m-manylinux1_x86_64.manylinux2010_x86_64.whl");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(strs(n->tags),
            (std::vector<std::string>{"cp36-cp36m-manylinux1_x86_64", "cp36-cp36m-manylinux2010_x86_64"}));
  EXPECT_EQ(n->platform_tags.size(), 2u);
}

TEST(WheelFilename, LocalVersionBuildTagAndEscapedName) {
  auto t = parse_wheel_filename("torch-1.5.0+cu92-cp36-cp36m-linux_x86_64.whl");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->version.str(), "1.5.0+cu92");
  EXPECT_EQ(t->version.public_str(), "1.5.0");
  // Index URLs percent-encode the '+'; the fragment is not part of the name.
  auto u = parse_wheel_filename(
      "https://download.pytorch.org/whl/cu92/torch-1.5.0%2Bcu92-cp36-cp36m-linux_x86_64.whl#sha256=abc");
  ASSERT_TRUE(u.ok()) << u.error().message();
  EXPECT_EQ(u->filename, "torch-1.5.0+cu92-cp36-cp36m-linux_x86_64.whl");
  EXPECT_EQ(u->version, t->version);

  auto b = parse_wheel_filename("/some/dir/tensorflow_gpu-1.6.0-12abc-cp27-cp27mu-manylinux1_x86_64.whl");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->normalized_name, "tensorflow-gpu");
  ASSERT_TRUE(b->build.has_value());
  EXPECT_EQ(b->build->number, 12u);
  EXPECT_EQ(b->build->rest, "abc");
  EXPECT_EQ(b->build->str(), "12abc");
  // Build tags compare as (int, str).
  EXPECT_LT((BuildTag{2, ""}), (BuildTag{10, ""}));
  EXPECT_LT((BuildTag{10, ""}), (BuildTag{10, "a"}));

  // Directories are not part of the name.
  auto path = parse_wheel_filename("../../etc-1.0-py3-none-any.whl");
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(path->filename, "etc-1.0-py3-none-any.whl");

  auto upper = parse_wheel_filename("Pkg.Name-1.0-PY3-NONE-ANY.whl");
  ASSERT_TRUE(upper.ok());
  EXPECT_EQ(upper->normalized_name, "pkg-name");
  EXPECT_EQ(upper->tags.front().str(), "py3-none-any");
}

TEST(WheelFilename, HostileAndMalformedNamesGetPreciseErrors) {
  struct Bad {
    const char* name;
    const char* expect;  // substring of the error
  };
  const Bad bad[] = {
      {"pkg-1.0-py3-none-any.zip", "does not end in '.whl'"},
      {"pkg-1.0-py3-none-any", "does not end in '.whl'"},
      {"pkg-1.0-py3-none.whl", "has 4 dash-separated parts"},
      {"pkg-1.0-1-2-py3-none-any.whl", "has 7 dash-separated parts"},
      {"pkg-1.0-a1-py3-none-any.whl", "build tag 'a1' does not start with a digit"},
      {"pkg-not.a.version-py3-none-any.whl", "version 'not.a.version' is not PEP 440"},
      {"pk g-1.0-py3-none-any.whl", "contains ' '"},
      {"..-1.0-py3-none-any.whl", "must start and end with a letter or digit"},
      {"_pkg-1.0-py3-none-any.whl", "must start and end with a letter or digit"},
      {"pkg__x-1.0-py3-none-any.whl", "contains '__'"},
      {"-1.0-py3-none-any.whl", "empty project name"},
      {"pkg-1.0--py3-none-any.whl", "build tag '' does not start with a digit"},
      {"pkg-1.0-py3..py2-none-any.whl", "python tag 'py3..py2' has an empty or invalid component"},
      {"pkg-1.0-py3-none-any$.whl", "platform tag 'any$'"},
      {"pkg-1.0-py3-no/ne-any.whl", "has 2 dash-separated parts"},
      {".whl", "has 1 dash-separated parts"},
      {"pkg-1.0-99999999999999999999999-py3-none-any.whl", "number too large"},
  };
  for (const auto& b : bad) {
    auto r = parse_wheel_filename(b.name);
    ASSERT_FALSE(r.ok()) << b.name;
    EXPECT_NE(r.error().message().find(b.expect), std::string::npos) << b.name << " -> " << r.error().message();
    EXPECT_EQ(r.error().message().rfind("invalid wheel filename '", 0), 0u) << r.error().message();
  }
}

}  // namespace
}  // namespace dl::pypa
