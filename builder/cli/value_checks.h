// Flag values checked while the command line is parsed, so a malformed one
// is a usage error (exit 2) with the same message the library would give,
// before any file is read. Values that need an input to judge (a --filter
// value no image of the matrix has) are checked against it later (exit 1).
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "builder/matrix/matrix.h"

namespace dl::cli {

inline std::string filter_value_error(const std::string& v) {
  auto f = matrix::parse_filters({v});
  return f.ok() ? std::string() : f.error().message();
}

inline std::string shard_value_error(const std::string& v) {
  auto s = matrix::parse_shard(v);
  return s.ok() ? std::string() : s.error().message();
}

// --filter KEY=VALUE, --shard I/N, --max-cells N (at least 1).
inline void check_selection_flags(CLI::Option* filter, CLI::Option* shard, CLI::Option* max_cells) {
  if (filter) filter->check(filter_value_error);
  if (shard) shard->check(shard_value_error);
  if (max_cells) max_cells->check(CLI::PositiveNumber);
}

}  // namespace dl::cli
