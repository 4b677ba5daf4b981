#include "builder/recipe/recipe.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "base/fs.h"

namespace dl::recipe {
namespace {

const std::string kRoot = DL_SOURCE_DIR;

matrix::Cell cell_for(const std::string& ref) {
  auto m = matrix::load(kRoot + "/matrix.yaml");
  EXPECT_TRUE(m.ok());
  for (auto& c : m->cells)
    if (c.ref() == ref) return c;
  ADD_FAILURE() << "no cell " << ref;
  return {};
}

TEST(Recipes, EveryShippedCellLoadsItsRecipe) {
  auto m = matrix::load(kRoot + "/matrix.yaml");
  ASSERT_TRUE(m.ok());
  auto s = check_all(kRoot + "/recipes", *m);
  EXPECT_TRUE(s.ok()) << s.error().message();
}

// The shipped xenial bases install their Pythons and the frameworks'
// libraries; Python 3.6 comes from the operator's repository file.
TEST(Recipes, ShippedXenialCellsAskForTheirPythonsAndLibraries) {
  auto names = [](const Recipe& r) {
    std::vector<std::string> out;
    for (auto& p : r.apt.packages) out.push_back(p.name);
    return out;
  };
  auto c27 = cell_for("qingcloud/deeplearning:1.0-py27-cpu");
  auto py27 = load_for_cell(kRoot + "/recipes", c27.recipe, c27);
  ASSERT_TRUE(py27.ok()) << py27.error().message();
  EXPECT_EQ(names(*py27), (std::vector<std::string>{"python2.7", "libgomp1", "libhdf5-10"}));
  ASSERT_EQ(py27->apt.sources.size(), 1u);
  EXPECT_EQ(py27->apt.sources[0].signed_by_file, "/usr/share/keyrings/ubuntu-archive-keyring.gpg");
  auto cboth = cell_for("qingcloud/tensorflow:1.12-cpu");
  ASSERT_EQ(cboth.python, "2.7/3.6");
  auto both = load_for_cell(kRoot + "/recipes", cboth.recipe, cboth);
  ASSERT_TRUE(both.ok()) << both.error().message();
  EXPECT_EQ(names(*both), (std::vector<std::string>{"python2.7", "python3.6", "libgomp1", "libhdf5-10"}));
  ASSERT_EQ(both->apt.sources.size(), 2u);
  EXPECT_EQ(both->apt.sources[1].file, "/etc/dlimage/apt/python3.6.sources");
  if (!fs::exists(both->apt.sources[1].file)) {
    auto missing = apt::expand_source_files(both->apt.sources);
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().message().find("matrix.yaml:"), std::string::npos) << missing.error().message();
    EXPECT_NE(missing.error().message().find("/etc/dlimage/apt/python3.6.sources does not exist"), std::string::npos)
        << missing.error().message();
  }
}

TEST(Recipes, TemplatesAndConditionsFollowTheCell) {
  auto c = cell_for("qingcloud/deeplearning:1.1-cpu-avx2-mkldnn");
  auto r = load_for_cell(kRoot + "/recipes", c.recipe, c);
  ASSERT_TRUE(r.ok()) << r.error().message();
  auto has = [&](const std::string& req, const std::string& variant) {
    return std::any_of(r->wheels.begin(), r->wheels.end(),
                       [&](const WheelSpec& w) { return w.requirement == req && w.variant == variant; });
  };
  EXPECT_TRUE(has("tensorflow==1.12.*", "cpu-avx2-mkldnn"));
  EXPECT_TRUE(has("torch==1.1.0", "cpu"));
  EXPECT_TRUE(has("pip", ""));  // inherited from common
  EXPECT_FALSE(has("tensorflow==1.8.*", "cpu-avx2-mkldnn"));
  ASSERT_EQ(r->artifacts.size(), 1u);
  EXPECT_EQ(r->artifacts[0].url, "caffe/caffe-1.0-cpu.tar.gz");
  EXPECT_EQ(r->ports, (std::vector<int>{8888, 6006}));

  auto rocm = cell_for("qingcloud/deeplearning:1.1-rocm26");
  auto rr = load_for_cell(kRoot + "/recipes", rocm.recipe, rocm);
  ASSERT_TRUE(rr.ok());
  EXPECT_TRUE(rr->artifacts.empty()) << "the ROCm image has no Caffe";
}

TEST(Recipes, TensorflowCatalogHoldsTheGuidesTable) {
  auto c = cell_for("qingcloud/tensorflow:1.6-py27-cu80-cudnn7.1");
  auto r = load_for_cell(kRoot + "/recipes", c.recipe, c);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->catalog.size(), 35u);
  auto it = std::find_if(r->catalog.begin(), r->catalog.end(), [](const CatalogEntry& e) {
    return e.version == "1.6.0" && e.python == "2.7" && e.variant == "cuda8.0";
  });
  ASSERT_NE(it, r->catalog.end());
  EXPECT_EQ(it->url,
            "https://appcenter-deeplearning.sh1a.qingstor.com/tensorflow/1.6.0/cuda8.0/"
            "tensorflow-1.6.0-cp27-cp27mu-linux_x86_64.whl");
}

TEST(Recipes, BadInputIsLocated) {
  TempDir d;
  auto c = cell_for("qingcloud/tensorflow:1.12-cpu");
  ASSERT_TRUE(
      write_file_atomic(d.path() / "x.yaml", "schema: 1\nwheels:\n  - require: \"tensorflow=={versoin}\"\n").ok());
  auto r = load_for_cell(d.path().string(), "x", c);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), d.path().string() +
                                     "/x.yaml:3:27: template 'tensorflow=={versoin}' names unknown variable 'versoin'; "
                                     "did you mean 'version'?");
  ASSERT_TRUE(write_file_atomic(d.path() / "y.yaml", "schema: 1\nwheel:\n  - pip\n").ok());
  EXPECT_EQ(load_for_cell(d.path().string(), "y", c).error().message(),
            d.path().string() + "/y.yaml:2:1: unknown key 'wheel' in recipe; did you mean 'wheels'?");
  ASSERT_TRUE(write_file_atomic(d.path() / "z.yaml", "extends: [z]\n").ok());
  EXPECT_NE(load_for_cell(d.path().string(), "z", c).error().message().find("'extends' loops back to z"),
            std::string::npos);
}

TEST(Recipes, FileModeMustBeOctal) {
  TempDir d;
  auto c = cell_for("qingcloud/tensorflow:1.12-cpu");
  for (const std::string bad : {"rw-r--r--", "0999", "644x", "077777"}) {
    SCOPED_TRACE(bad);
    ASSERT_TRUE(write_file_atomic(d.path() / "m.yaml",
                                  "schema: 1\nfiles:\n  - dest: /etc/x\n    content: hi\n"
                                  "    mode: \"" +
                                      bad + "\"\n")
                    .ok());
    auto r = load_for_cell(d.path().string(), "m", c);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message(), d.path().string() + "/m.yaml:5:11: mode '" + bad +
                                       "': expected octal permissions such as '0644' or '0755'");
  }
  ASSERT_TRUE(write_file_atomic(d.path() / "m.yaml",
                                "schema: 1\nfiles:\n  - dest: /etc/x\n    content: hi\n    mode: \"0755\"\n")
                  .ok());
  auto ok = load_for_cell(d.path().string(), "m", c);
  ASSERT_TRUE(ok.ok()) << ok.error().message();
  ASSERT_EQ(ok->files.size(), 1u);
  EXPECT_EQ(ok->files[0].mode, 0755u);
}

}  // namespace
}  // namespace dl::recipe

namespace dl::recipe {
namespace {

TEST(RecipeApt, SectionsMergeWithWhenAndUnknownKeysAreLocated) {
  TempDir dir("dl-recipe-apt");
  ASSERT_TRUE(
      write_file_atomic(dir.path() / "base.yaml",
                        "schema: 1\nname: base\napt:\n  packages: [libgomp1]\n  allow_scripts: [foo/postinst]\n")
          .ok());
  ASSERT_TRUE(write_file_atomic(dir.path() / "r.yaml",
                                "schema: 1\nname: r\nextends: [base]\napt:\n  packages:\n"
                                "    - {name: python3.6, when: {python: \"3.6\"}}\n"
                                "    - {name: python2.7, when: {python: \"2.7\"}}\n"
                                "    - libhdf5-10=1.8.16+docs-4ubuntu1\n")
                  .ok());
  matrix::Cell c;
  c.recipe = "r";
  c.group = "g";
  c.vars = {{"python", "3.6"}};
  auto r = load_for_cell(dir.path().string(), "r", c);
  ASSERT_TRUE(r.ok()) << r.error().message();
  std::vector<std::string> names;
  for (auto& p : r->apt.packages) names.push_back(p.name + (p.version.empty() ? "" : "=" + p.version));
  EXPECT_EQ(names, (std::vector<std::string>{"libgomp1", "python3.6", "libhdf5-10=1.8.16+docs-4ubuntu1"}));
  EXPECT_EQ(r->apt_allow_scripts, std::vector<std::string>{"foo/postinst"});

  ASSERT_TRUE(
      write_file_atomic(dir.path() / "bad.yaml", "schema: 1\nname: bad\napt:\n  packages: [a1]\n  recomends: true\n")
          .ok());
  auto bad = load_for_cell(dir.path().string(), "bad", c);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("bad.yaml:5:3: "), std::string::npos) << bad.error().message();
  EXPECT_NE(bad.error().message().find("recommends"), std::string::npos) << bad.error().message();
  ASSERT_TRUE(write_file_atomic(dir.path() / "when.yaml",
                                "schema: 1\nname: when\napt:\n  packages:\n    - {name: a1, when: {pyhton: \"3.6\"}}\n")
                  .ok());
  auto w = load_for_cell(dir.path().string(), "when", c);
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.error().message().find("unknown key 'pyhton'; expected a matrix variable (did you mean 'python'?)"),
            std::string::npos)
      << w.error().message();
}

}  // namespace
}  // namespace dl::recipe
