// The matrix-selection options every matrix-taking command shares:
// -m FILE, --filter KEY=VALUE..., --shard I/N.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "builder/cli/command.h"
#include "builder/cli/value_checks.h"
#include "builder/cpu/resolve.h"
#include "builder/matrix/matrix.h"

namespace dl::cli {

struct MatrixOptions {
  std::string file = "matrix.yaml";
  std::vector<std::string> filters;
  std::string shard = "1/1";
  std::uint64_t max_cells = matrix::Limits{}.max_cells;

  void add_to(CLI::App& app) {
    app.add_option("-m,--matrix", file, "matrix file")->capture_default_str();
    check_selection_flags(
        app.add_option("--filter", filters,
                       "KEY=VALUE (repo framework version python accelerator isa tag); repeatable"),
        app.add_option("--shard", shard, "I/N: this run's deterministic share of the matrix"),
        app.add_option("--max-cells", max_cells, "refuse a matrix that expands to more cells than this")
            ->capture_default_str());
  }

  matrix::Matrix load() const {
    auto m = get(matrix::load(file, matrix::Limits{max_cells}));
    check(cpu::check_matrix_isa(m));
    return m;
  }

  std::vector<matrix::Cell> select() const {
    auto f = get(matrix::parse_filters(filters));
    auto s = get(matrix::parse_shard(shard));
    return get(matrix::select(load(), f, s));
  }
};

}  // namespace dl::cli
