// `dlimage wheel resolve` and `dlimage wheel tags`: subcommands of `wheel`
// (cmd_wheel.cc) kept in their own file.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace dl::cli {

// Adds the subcommands to `wheel`; the returned function runs whichever was
// parsed and returns its exit code, or -1 when neither was.
std::function<int()> add_wheel_resolve_commands(CLI::App& wheel);

}  // namespace dl::cli
