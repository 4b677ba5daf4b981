// Located errors for YAML inputs (matrix.yaml, recipes, data files). Every
// message reads "<file>:<line>:<col>: <what went wrong>; expected <what>",
// with line and column 1-based, taken from yaml-cpp's Mark.
//
// Every document is hostile until bounded: parse() refuses text over
// max_bytes, nesting deeper than max_depth and documents whose aliases expand
// to more than max_nodes nodes (yaml-cpp shares aliased nodes, but every
// walk over the tree visits them once per alias: "billion laughs"). The
// bounds are checked by a streaming pass over the parser's events before any
// node is built.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"

namespace dl::yamlsrc {

struct Limits {
  std::size_t max_bytes = 4 << 20;
  int max_depth = 64;
  std::uint64_t max_nodes = 1000000;  // after alias expansion
};

class Source {
 public:
  explicit Source(std::string name, Limits limits = {}) : name_(std::move(name)), limits_(limits) {}
  const std::string& name() const { return name_; }

  // Parses text; broken YAML becomes "<file>:L:C: invalid YAML: <reason>",
  // a bound exceeded "<file>:L:C: ... ; expected at most N ...".
  Result<YAML::Node> parse(const std::string& text) const;

  Error error_at(const YAML::Node& n, const std::string& msg) const;
  Error error_at(const YAML::Mark& m, const std::string& msg) const;

  // Type checks that name the key and what was expected.
  Status expect_map(const YAML::Node& n, const std::string& what) const;
  Status expect_seq(const YAML::Node& n, const std::string& what) const;
  Status expect_scalar(const YAML::Node& n, const std::string& what) const;
  // Rejects keys not in `allowed`, suggesting the nearest known key.
  Status check_keys(const YAML::Node& map, const std::vector<std::string>& allowed, const std::string& where) const;

  Result<std::string> scalar(const YAML::Node& n, const std::string& what) const;
  Result<std::vector<std::string>> scalar_list(const YAML::Node& n, const std::string& what) const;
  Result<int> integer(const YAML::Node& n, const std::string& what) const;
  // Map of scalar -> scalar, document order kept.
  Result<std::vector<std::pair<std::string, std::string>>> string_map(const YAML::Node& n,
                                                                      const std::string& what) const;

 private:
  Status check_bounds(const std::string& text) const;
  std::string name_;
  Limits limits_;
};

// Runs `f` (a parse that walks YAML nodes) and turns any exception yaml-cpp
// throws for a shape the walker did not expect (a key looked up in a scalar,
// the mark of a missing node) into a located error: the library never lets an
// exception escape. Every public entry point that walks YAML calls this.
template <class F>
auto guarded(const Source& src, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const YAML::Exception& e) {
    return src.error_at(e.mark, "unexpected YAML structure: " + e.msg);
  }
}

// "a mapping", "a sequence", "a scalar", "nothing".
std::string describe(const YAML::Node& n);

// Column of the first character of a scalar's value: yaml-cpp marks quoted
// scalars at the opening quote.
int value_column(const YAML::Node& n);

}  // namespace dl::yamlsrc
