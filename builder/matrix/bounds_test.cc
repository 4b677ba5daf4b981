// Hostile YAML: every document is bounded in size, depth, alias expansion
// and (for the matrix) cells, and each bound fails at once with a located
// message.
#include <gtest/gtest.h>

#include <chrono>

#include "builder/matrix/matrix.h"
#include "builder/matrix/yaml_source.h"

namespace dl::matrix {
namespace {

const char* kHead = R"(schema: 1
bases:
  deb: {ref: "debian:bookworm", glibc: "2.36", pythons: {"3.11": {abi: cp311, interpreter: /usr/bin/python3, site_packages: usr/local/lib/python3.11/dist-packages}}}
pythons:
  "3.11": {tag: "-py311"}
accelerators:
  cpu: {kind: cpu, tag: cpu, base: deb}
isa:
  generic: {rank: 0, features: [], tag: ""}
images:
  - repo: test/demo
    framework: demo
    axes:
      version: ["1.0", "2.0"]
      python: ["3.11"]
      accelerator: [cpu]
)";

std::string with_axes(int axes, int values) {
  std::string y = kHead;
  for (int a = 0; a < axes; ++a) {
    y += "      x" + std::to_string(a) + ": [";
    for (int v = 0; v < values; ++v) y += (v ? "," : "") + std::to_string(v);
    y += "]\n";
  }
  y += "    tags:\n      - \"{version}";
  for (int a = 0; a < axes; ++a) y += "-{x" + std::to_string(a) + "}";
  y += "\"\n";
  return y;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

TEST(MaxCells, TinyMatrixWithTenToTheTenCellsFailsAtOnceWithTheCount) {
  std::string y = with_axes(10, 10);  // 2 versions x 10^10
  ASSERT_LT(y.size(), 1500u);
  auto t0 = std::chrono::steady_clock::now();
  auto m = parse(y, "big.yaml");
  ASSERT_FALSE(m.ok());
  EXPECT_LT(seconds_since(t0), 1.0) << "the bound must be checked before cells are built";
  const std::string& msg = m.error().message();
  EXPECT_NE(msg.find("big.yaml:11:5: the matrix expands to 20000000000 cells"), std::string::npos) << msg;
  EXPECT_NE(msg.find("x0 10 x x1 10"), std::string::npos) << msg;
  EXPECT_NE(msg.find("expected at most 10000 (raise --max-cells"), std::string::npos) << msg;
}

TEST(MaxCells, CountsEveryGroupAndIsAdjustable) {
  std::string y = with_axes(1, 3);  // 2 x 3 = 6 cells
  auto ok = parse(y, "six.yaml");
  ASSERT_TRUE(ok.ok()) << ok.error().message();
  EXPECT_EQ(ok->cells.size(), 6u);
  Limits tight;
  tight.max_cells = 5;
  auto refused = parse(y, "six.yaml", tight);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("expands to 6 cells"), std::string::npos) << refused.error().message();
  EXPECT_NE(refused.error().message().find("at most 5"), std::string::npos);
}

TEST(MaxCells, OverflowingProductSaturates) {
  auto m = parse(with_axes(40, 10), "huge.yaml");  // 10^40 overflows 64 bits
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message().find("expands to more than"), std::string::npos) << m.error().message();
}

TEST(HostileYaml, BillionLaughsIsRefusedBeforeTheTreeIsWalked) {
  std::string y = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i <= 9; ++i) {
    std::string p = "*a" + std::to_string(i - 1);
    y += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [" + p;
    for (int k = 1; k < 10; ++k) y += ", " + p;
    y += "]\n";
  }
  ASSERT_LT(y.size(), 1000u);
  auto t0 = std::chrono::steady_clock::now();
  auto r = yamlsrc::Source("laughs.yaml").parse(y);
  ASSERT_FALSE(r.ok());
  EXPECT_LT(seconds_since(t0), 1.0);
  const std::string& msg = r.error().message();
  EXPECT_EQ(msg.rfind("laughs.yaml:", 0), 0u) << msg;
  EXPECT_NE(msg.find("expands to more than 1000000 nodes"), std::string::npos) << msg;
  // The same through the matrix loader: one clear line, not a hang.
  auto m = parse(y, "laughs.yaml");
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message().find("expands to more than"), std::string::npos);
}

TEST(HostileYaml, ModestAliasesStillWork) {
  auto r = yamlsrc::Source("ok.yaml").parse("a: &a [1, 2, 3]\nb: *a\nc: *a\n");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ((*r)["c"].size(), 3u);
}

TEST(HostileYaml, DeepNestingIsRefusedWithItsLocation) {
  std::string y = "x: " + std::string(5000, '[') + std::string(5000, ']') + "\n";
  auto r = yamlsrc::Source("deep.yaml").parse(y);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("deep.yaml:1:"), std::string::npos) << r.error().message();
  EXPECT_NE(r.error().message().find("nesting deeper than 64 levels"), std::string::npos) << r.error().message();
  std::string block;
  for (int i = 0; i < 100; ++i) block += std::string(size_t(i) * 2, ' ') + "k" + std::to_string(i) + ":\n";
  auto b = yamlsrc::Source("block.yaml").parse(block);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().message().find("block.yaml:"), std::string::npos);
  EXPECT_NE(b.error().message().find("nesting deeper than 64"), std::string::npos) << b.error().message();
}

TEST(HostileYaml, OversizedDocumentIsRefusedUnread) {
  std::string y = "k: \"" + std::string(5 << 20, 'a') + "\"\n";
  auto r = yamlsrc::Source("big.yaml").parse(y);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("big.yaml: 5242886 bytes; expected a YAML document of at most 4194304 bytes"),
            std::string::npos)
      << r.error().message();
}

}  // namespace
}  // namespace dl::matrix
