// Expands a generated matrix of >= 100,000 cells and prints cells/second.
// Goal: 100,000 cells in under 1 s on a 2-core machine. No peer tool expands
// matrix.yaml, so the figure is printed against that goal.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "builder/matrix/format.h"
#include "builder/matrix/matrix.h"

int main(int argc, char** argv) {
  int versions = argc > 1 ? std::atoi(argv[1]) : 1200;
  std::string y = R"(schema: 1
bases:
  b: {ref: "debian:12", glibc: "2.36", pythons: {"2.7": {abi: cp27mu, interpreter: /usr/bin/python2, site_packages: a}, "3.6": {abi: cp36m, interpreter: /usr/bin/python3, site_packages: b}}}
pythons: {"2.7": {tag: "-py27"}, "3.6": {tag: "-py36"}, "2.7/3.6": {tag: ""}}
accelerators:
  cpu: {kind: cpu, tag: cpu, base: b}
  cu80: {kind: cuda, cuda: "8.0", tag: cu80, base: b}
  cu91: {kind: cuda, cuda: "9.1", tag: cu91, base: b}
  cu100: {kind: cuda, cuda: "10.0", tag: cu100, base: b}
  rocm26: {kind: rocm, rocm: "2.6", tag: rocm26, base: b}
isa:
  generic: {rank: 0, features: [], tag: ""}
  avx: {rank: 1, features: [avx], tag: "-avx"}
  avx2: {rank: 2, features: [avx, avx2, fma], tag: "-avx2"}
images:
  - repo: bench/big
    framework: big
    axes:
      version: [)";
  for (int i = 0; i < versions; ++i)
    y += (i ? ", \"" : "\"") + std::to_string(i / 100) + "." + std::to_string(i % 100) + "\"";
  y += R"(]
      python: ["2.7", "3.6", "2.7/3.6"]
      accelerator: [cpu, cu80, cu91, cu100, rocm26]
      isa: [generic, avx, avx2]
      flavor: [a, b, c, d]
    exclude:
      - {accelerator.kind: [cuda, rocm], isa: [avx, avx2]}
    vars: {gpu: ""}
    set:
      - when: {accelerator.kind: cuda}
        vars: {gpu: "gpu-"}
    tags: ["{version}{python.tag}-{flavor}-{gpu}{accelerator.tag}{isa.tag}"]
)";
  auto t0 = std::chrono::steady_clock::now();
  auto m = dl::matrix::parse(y, "generated.yaml");
  auto t1 = std::chrono::steady_clock::now();
  if (!m.ok()) {
    std::fprintf(stderr, "%s\n", m.error().message().c_str());
    return 1;
  }
  auto tags = dl::matrix::format_tags(m->cells);
  auto t2 = std::chrono::steady_clock::now();
  double expand = std::chrono::duration<double>(t1 - t0).count();
  double fmt = std::chrono::duration<double>(t2 - t1).count();
  std::printf(
      "matrix_bench: %zu cells expanded in %.3f s = %.0f cells/s (goal: 100000 cells < 1 s: %s); "
      "--format tags %.3f s, %zu bytes\n",
      m->cells.size(), expand, double(m->cells.size()) / expand,
      (m->cells.size() >= 100000 && expand < 1.0) ? "met" : "NOT met", fmt, tags.size());
  return m->cells.size() >= 100000 ? 0 : 1;
}
