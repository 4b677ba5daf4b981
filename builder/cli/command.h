// The CLI is a table of subcommands. Each cmd_*.cc registers itself with a
// static Registration, so adding a subcommand touches no other file. The
// subcommand's run function turns library Errors into a Failure exception;
// main() catches it once and prints it (the only place exceptions are used).
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/result.h"

namespace dl::cli {

// Documented in README "Exit codes"; scripts depend on them.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitMismatch = 3;  // verify: a tag differs from what the matrix builds
inline constexpr int kExitUnsigned = 4;  // verify --key: digests right, a tag has no valid signature

using Runner = std::function<int()>;
using Setup = std::function<Runner(CLI::App&)>;

struct Registration {
  Registration(std::string name, std::string help, Setup setup);
};

struct CommandDef {
  std::string name, help;
  Setup setup;
};
std::vector<CommandDef>& commands();

// The words of this invocation (argv), for reports.
const std::vector<std::string>& command_line();

class Failure : public std::runtime_error {
 public:
  explicit Failure(const Error& e, int code = kExitFailure) : std::runtime_error(e.message()), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

// Unwrap a Result at the CLI edge.
template <class T>
T get(Result<T> r) {
  if (!r.ok()) throw Failure(r.error());
  return std::move(r).value();
}
inline void check(const Status& s) {
  if (!s.ok()) throw Failure(s.error());
}
// A malformed value the parser could not see (an environment variable
// standing for a flag: SOURCE_DATE_EPOCH=12x) is a usage error, as the
// same value given as a flag is.
template <class T>
T get_usage(Result<T> r) {
  if (!r.ok()) throw Failure(r.error(), kExitUsage);
  return std::move(r).value();
}
inline void check_usage(const Status& s) {
  if (!s.ok()) throw Failure(s.error(), kExitUsage);
}

}  // namespace dl::cli
