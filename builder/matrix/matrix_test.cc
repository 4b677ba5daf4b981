#include "builder/matrix/matrix.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "base/fs.h"
#include "base/strings.h"
#include "builder/matrix/format.h"

namespace dl::matrix {
namespace {

std::set<std::string> seed_tags() {
  std::ifstream in(std::string(DL_SOURCE_DIR) + "/tests/fixtures/seed_tags.txt");
  std::set<std::string> out;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.insert(line);
  return out;
}

Matrix shipped() {
  auto m = load(std::string(DL_SOURCE_DIR) + "/matrix.yaml");
  EXPECT_TRUE(m.ok()) << m.error().message();
  return m.ok() ? *m : Matrix{};
}

TEST(ShippedMatrix, ExpandsToExactlyTheSeedsTags) {
  auto seed = seed_tags();
  ASSERT_EQ(seed.size(), 54u);
  std::set<std::string> got;
  size_t lines = 0;
  for (auto& line : split(format_tags(shipped().cells), '\n'))
    if (!line.empty()) got.insert(line), ++lines;
  EXPECT_EQ(lines, 54u) << "a tag was printed twice";
  EXPECT_EQ(got, seed);
}

TEST(ShippedMatrix, CellsCarryTheirAttributes) {
  auto m = shipped();
  auto it = std::find_if(m.cells.begin(), m.cells.end(),
                         [](const Cell& c) { return c.ref() == "qingcloud/deeplearning:1.1-cpu-avx2-mkldnn"; });
  ASSERT_NE(it, m.cells.end());
  EXPECT_EQ(it->pythons, (std::vector<std::string>{"2.7", "3.6"}));
  EXPECT_EQ(it->isa.features, (std::vector<std::string>{"avx", "avx2", "fma"}));
  EXPECT_EQ(it->accelerator.kind, "cpu");
  EXPECT_EQ(it->base.ref, "ubuntu:16.04");
  auto gpu = std::find_if(m.cells.begin(), m.cells.end(),
                          [](const Cell& c) { return c.ref() == "qingcloud/tensorflow:1.6-py27-cu80-cudnn7.1"; });
  ASSERT_NE(gpu, m.cells.end());
  EXPECT_EQ(gpu->accelerator.cuda, "8.0");
  EXPECT_EQ(gpu->base.pythons.front().abi, "cp27mu");
  std::set<std::string> ids;
  for (auto& c : m.cells) ids.insert(c.id);
  EXPECT_EQ(ids.size(), m.cells.size()) << "cell ids must be unique";
}

TEST(Shards, PartitionTheMatrix) {
  auto m = shipped();
  for (unsigned n : {1u, 2u, 3u, 5u, 7u}) {
    std::multiset<std::string> seen;
    for (unsigned i = 1; i <= n; ++i) {
      auto cells = select(m, {}, Shard{i, n});
      ASSERT_TRUE(cells.ok());
      for (auto& c : *cells) seen.insert(c.id);
    }
    EXPECT_EQ(seen.size(), m.cells.size()) << n << " shards";
    std::set<std::string> unique(seen.begin(), seen.end());
    EXPECT_EQ(unique.size(), seen.size()) << "overlap with " << n << " shards";
  }
}

TEST(Shards, AreStableWhenCellsAreRemoved) {
  auto m = shipped();
  Shard s{2, 3};
  auto before = *select(m, {}, s);
  m.cells.erase(m.cells.begin(), m.cells.begin() + 10);
  auto after = *select(m, {}, s);
  for (auto& c : after)
    EXPECT_TRUE(std::any_of(before.begin(), before.end(), [&](const Cell& b) { return b.id == c.id; }));
}

TEST(Shards, RejectMalformed) {
  EXPECT_EQ(parse_shard("0/3").error().message(), "--shard '0/3': expected I/N with 1 <= I <= N, e.g. 2/4");
  EXPECT_FALSE(parse_shard("4/3").ok());
  EXPECT_FALSE(parse_shard("x").ok());
  EXPECT_TRUE(parse_shard("3/3").ok());
}

TEST(Filters, SelectByEveryKey) {
  auto m = shipped();
  auto count = [&](std::vector<std::string> args) {
    auto f = parse_filters(args);
    EXPECT_TRUE(f.ok());
    auto cells = select(m, *f, {});
    EXPECT_TRUE(cells.ok()) << cells.error().message();
    return cells.ok() ? cells->size() : 0;
  };
  EXPECT_EQ(count({"repo=qingcloud/tensorflow"}), 20u);
  EXPECT_EQ(count({"framework=keras"}), 6u);
  EXPECT_EQ(count({"framework=tensorflow", "version=1.6"}), 6u);
  EXPECT_EQ(count({"repo=qingcloud/deeplearning", "python=3.6"}), 5u);  // the 2.7/3.6 images
  EXPECT_EQ(count({"accelerator=rocm"}), 1u);
  EXPECT_EQ(count({"accelerator=cu80", "accelerator=rocm26"}), 1u + 10u);
  EXPECT_EQ(count({"isa=avx2-mkldnn"}), 2u);
  EXPECT_EQ(count({"tag=*-cpu-avx*"}), 4u);
  EXPECT_EQ(count({"tag=qingcloud/keras:2.2-tf1.12-cpu"}), 1u);
}

TEST(Filters, ValuesNoImageHasAreRefusedWithSuggestion) {
  auto m = shipped();
  auto err = [&](std::vector<std::string> args) {
    auto f = parse_filters(args);
    EXPECT_TRUE(f.ok());
    auto cells = select(m, *f, {});
    return cells.ok() ? std::string("selected ") + std::to_string(cells->size()) : cells.error().message();
  };
  EXPECT_EQ(err({"python=3.5"}),
            "--filter python=3.5: no image in " + m.source + " has python '3.5'; did you mean '3.6'?");
  EXPECT_EQ(err({"framework=tensorflw"}), "--filter framework=tensorflw: no image in " + m.source +
                                              " has framework 'tensorflw'; did you mean 'tensorflow'?");
  EXPECT_EQ(err({"accelerator=cu92"}).rfind("--filter accelerator=cu92: no image in", 0), 0u);
  EXPECT_EQ(err({"isa=avx512"}).rfind("--filter isa=avx512: no image in", 0), 0u);
  EXPECT_EQ(err({"framework=keras", "accelerator=rocm"}),
            "the filters accelerator=rocm and framework=keras select no image of " + m.source +
                " (each value exists, but not together)");
  EXPECT_EQ(err({"tag=*"}), "selected 54");
  EXPECT_EQ(err({"tag=nomatch-*"}).rfind("--filter tag=nomatch-*: no image in", 0), 0u);
  // An empty shard is fine: more shards than cells leave some empty.
  auto f = parse_filters({"tag=qingcloud/keras:2.2-tf1.12-cpu"});
  size_t total = 0;
  for (unsigned i = 1; i <= 3; ++i) {
    auto cells = select(m, *f, Shard{i, 3});
    ASSERT_TRUE(cells.ok());
    total += cells->size();
  }
  EXPECT_EQ(total, 1u);
}

TEST(Filters, UnknownKeyIsRefusedWithSuggestion) {
  auto f = parse_filters({"acelerator=cu91"});
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().message(),
            "--filter 'acelerator=cu91': unknown key 'acelerator'; did you mean 'accelerator'? expected one of repo, "
            "framework, version, python, accelerator, isa, tag");
  EXPECT_FALSE(parse_filters({"noequals"}).ok());
}

const char* kSmall = R"(schema: 1
bases:
  deb: {ref: "debian:bookworm", glibc: "2.36", pythons: {"3.11": {abi: cp311, interpreter: /usr/bin/python3, site_packages: usr/local/lib/python3.11/dist-packages}}}
pythons:
  "3.11": {tag: "-py311"}
accelerators:
  cpu: {kind: cpu, tag: cpu, base: deb}
isa:
  generic: {rank: 0, features: [], tag: ""}
  avx: {rank: 1, features: [avx], tag: "-avx"}
images:
  - repo: test/demo
    framework: demo
    axes:
      version: ["1.0", "2.0"]
      python: ["3.11"]
      accelerator: [cpu]
      isa: [generic, avx]
    exclude:
      - {version: "1.0", isa: avx}
    include:
      - {version: "0.9", python: "3.11", accelerator: cpu, isa: generic}
    tags:
      - "{version}{python.tag}-{accelerator.tag}{isa.tag}"
      - {tag: "latest{isa.tag}", when: {version: "2.0"}}
)";

TEST(Schema, IncludeExcludeAndAliases) {
  auto m = parse(kSmall, "small.yaml");
  ASSERT_TRUE(m.ok()) << m.error().message();
  EXPECT_EQ(format_tags(m->cells),
            "test/demo:1.0-py311-cpu\n"
            "test/demo:2.0-py311-cpu\ntest/demo:latest\n"
            "test/demo:2.0-py311-cpu-avx\ntest/demo:latest-avx\n"
            "test/demo:0.9-py311-cpu\n");
  EXPECT_NE(format_github(m->cells).find("{\"include\":[{\"id\":"), std::string::npos);
}

std::string error_of(const std::string& text) {
  auto m = parse(text, "m.yaml");
  return m.ok() ? "<no error>" : m.error().message();
}

std::string with(const std::string& from, const std::string& to) {
  std::string s = kSmall;
  auto pos = s.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  return s.replace(pos, from.size(), to);
}

TEST(BadInput, BrokenYaml) {
  EXPECT_EQ(error_of("images: [\n  {repo: x\n"), "m.yaml:3:1: invalid YAML: end of map flow not found");
}

TEST(BadInput, UnknownKeySuggestsNearest) {
  EXPECT_EQ(error_of(with("    exclude:", "    exlude:")),
            "m.yaml:19:5: unknown key 'exlude' in image group; did you mean 'exclude'?");
  EXPECT_EQ(error_of(with("    framework: demo", "    framework: demo\n    colour: red")),
            "m.yaml:14:5: unknown key 'colour' in image group; expected one of: name, repo, framework, recipe, axes, "
            "zip, exclude, include, vars, set, tags, auto_tag, hub");
}

TEST(BadInput, ExcludeValueNoAxisHas) {
  EXPECT_EQ(error_of(with("      - {version: \"1.0\", isa: avx}", "      - {version: \"1.1\", isa: avx}")),
            "m.yaml:20:19: no value of 'version' is '1.1'; did you mean '1.0'?");
  EXPECT_EQ(error_of(with("      - {version: \"1.0\", isa: avx}", "      - {version: \"1.0\", isa: [avx, avx3]}")),
            "m.yaml:20:37: no value of 'isa' is 'avx3'; did you mean 'avx'?");
  EXPECT_EQ(error_of(with("      - {version: \"1.0\", isa: avx}", "      - {accelerator.kind: cuda}")),
            "m.yaml:20:28: no value of 'accelerator.kind' is 'cuda'; expected one of: cpu");
}

TEST(BadInput, UnknownAcceleratorKey) {
  EXPECT_EQ(
      error_of(with("  cpu: {kind: cpu, tag: cpu, base: deb}", "  cpu: {kind: cpu, tag: cpu, base: deb, cudaa: x}")),
      "m.yaml:7:41: unknown key 'cudaa' in accelerators.cpu; did you mean 'cuda'?");
}

TEST(BadInput, WrongType) {
  EXPECT_EQ(error_of(with("      version: [\"1.0\", \"2.0\"]", "      version: {a: b}")),
            "m.yaml:15:16: axis 'version' must be a sequence; got a mapping");
}

TEST(BadInput, EmptyAxis) {
  EXPECT_EQ(error_of(with("      python: [\"3.11\"]", "      python: []")),
            "m.yaml:16:15: axis 'python' is empty; expected at least one value");
}

TEST(BadInput, PythonVersionMustBeMajorMinor) {
  const std::string key = "  \"3.11\": {tag";
  EXPECT_EQ(error_of(with(key, "  \"36\": {tag")),
            "m.yaml:5:4: python value '36' is not a Python version; expected MAJOR.MINOR, e.g. 3.6; did you mean "
            "'3.6'?");
  EXPECT_EQ(error_of(with(key, "  \"python3.6\": {tag")),
            "m.yaml:5:4: python value 'python3.6' is not a Python version; expected MAJOR.MINOR, e.g. 3.6; did you "
            "mean '3.6'?");
  EXPECT_EQ(error_of(with(key, "  \"3.6.9\": {tag")),
            "m.yaml:5:4: python value '3.6.9' is not a Python version; expected MAJOR.MINOR, e.g. 3.6; did you mean "
            "'3.6'?");
  EXPECT_EQ(error_of(with(key, "  \"3.x\": {tag")),
            "m.yaml:5:4: python value '3.x' is not a Python version; expected MAJOR.MINOR, e.g. 3.6");
  // The column is the bad half's of a two-interpreter value.
  EXPECT_EQ(error_of(with(key, "  3.11/310: {tag")),
            "m.yaml:5:8: python value '310' is not a Python version; expected MAJOR.MINOR, e.g. 3.6; did you mean "
            "'3.10'?");
  EXPECT_EQ(error_of(with("pythons: {\"3.11\": {abi", "pythons: {py3.11: {abi")),
            "m.yaml:3:58: bases.deb.pythons key 'py3.11' is not a Python version; expected MAJOR.MINOR, e.g. 3.6; "
            "did you mean '3.11'?");
}

TEST(BadInput, UnknownAxisValue) {
  EXPECT_EQ(error_of(with("      accelerator: [cpu]", "      accelerator: [cpuu]")),
            "m.yaml:17:21: unknown accelerator 'cpuu'; did you mean 'cpu'?");
}

TEST(BadInput, TemplateNamesUnknownVariable) {
  EXPECT_EQ(error_of(with("\"{version}{python.tag}-{accelerator.tag}{isa.tag}\"", "\"{version}-{acelerator.tag}\"")),
            "m.yaml:24:20: tag template '{version}-{acelerator.tag}' names unknown variable 'acelerator.tag'; did "
            "you mean 'accelerator.tag'?");
}

TEST(BadInput, TwoCellsProduceTheSameTag) {
  EXPECT_EQ(error_of(with("\"{version}{python.tag}-{accelerator.tag}{isa.tag}\"", "\"v{python.tag}\"")),
            "m.yaml:24:9: tag 'test/demo:v-py311' is produced by two cells: demo accelerator=cpu isa=generic "
            "python=3.11 version=1.0 and demo accelerator=cpu isa=generic python=3.11 version=2.0; expected every tag "
            "to name one image");
}

TEST(BadInput, RenderedTagMustBeValid) {
  EXPECT_NE(error_of(with("\"{version}{python.tag}-{accelerator.tag}{isa.tag}\"", "\"{python.tag}{version}\""))
                .find("renders '-py3111.0'"),
            std::string::npos);
}

TEST(BadInput, ZipLengthsMustMatch) {
  EXPECT_EQ(error_of(with("    exclude:", "    zip: [[version, python]]\n    exclude:")),
            "m.yaml:19:11: zipped axes must have the same length; 'version' has 2 values, 'python' has 1");
}

TEST(BadInput, ConditionOnUnknownKey) {
  EXPECT_EQ(error_of(with("{version: \"1.0\", isa: avx}", "{versoin: \"1.0\"}")),
            "m.yaml:20:10: condition tests unknown key 'versoin'; did you mean 'version'?");
}

}  // namespace
}  // namespace dl::matrix

namespace dl::matrix {
namespace {

const std::string kAuto =
    "      - {tag: \"latest{isa.tag}\", when: {version: \"2.0\"}}\n    auto_tag: "
    "\"{version}-{accelerator.tag}-auto\"\n";

TEST(AutoTag, EveryCpuCellOfAGroupSharesItsIndexTag) {
  auto m = parse(with("      - {tag: \"latest{isa.tag}\", when: {version: \"2.0\"}}\n", kAuto), "m.yaml");
  ASSERT_TRUE(m.ok()) << m.error().message();
  std::map<std::string, int> per_tag;
  for (auto& c : m->cells) per_tag[c.auto_tag]++;
  EXPECT_EQ(per_tag, (std::map<std::string, int>{{"0.9-cpu-auto", 1}, {"1.0-cpu-auto", 1}, {"2.0-cpu-auto", 2}}));
}

TEST(AutoTag, MayNotNameTheIsaOrAnImageTag) {
  EXPECT_EQ(
      error_of(with(
          "      - {tag: \"latest{isa.tag}\", when: {version: \"2.0\"}}\n",
          "      - {tag: \"latest{isa.tag}\", when: {version: \"2.0\"}}\n    auto_tag: \"{version}{isa.tag}-auto\"\n")),
      "m.yaml:26:25: auto_tag must not use {isa...}: its index spans the group's ISA builds (tag template "
      "'{version}{isa.tag}-auto' names unknown variable 'isa.tag'; expected one of: accelerator, "
      "accelerator.base, accelerator.kind, accelerator.tag, framework, name, python, python.tag, repo, version)");
  auto collide =
      error_of(with("      - {tag: \"latest{isa.tag}\", when: {version: \"2.0\"}}\n",
                    "      - {tag: \"latest{isa.tag}\", when: {version: \"2.0\"}}\n    auto_tag: \"latest\"\n"));
  EXPECT_NE(collide.find("auto_tag renders 'test/demo:latest', which is also a tag of"), std::string::npos) << collide;
  auto typo = error_of(with("    tags:", "    autotag: x\n    tags:"));
  EXPECT_NE(typo.find("did you mean 'auto_tag'?"), std::string::npos) << typo;
}

}  // namespace
}  // namespace dl::matrix
