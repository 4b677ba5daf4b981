// One target environment of a resolution: the interpreter (Python version,
// ABI, glibc -> PEP 425 tags in pip's order), its PEP 508 marker values, and
// the build-variant labels that pick among labelled wheel sources.
#pragma once

#include <map>
#include <string>

#include "base/result.h"
#include "builder/pypa/markers.h"
#include "builder/pypa/tags.h"

namespace dl::resolve {

struct Environment {
  pypa::Interpreter interpreter;
  pypa::Environment markers;
  std::string python_full;  // "3.6.0": what Requires-Python is checked against
  // Label for every project ("" = only unlabelled files), and per-project
  // labels (normalised name -> label) that override it: a recipe's wheel
  // entry `variant:` applies to that project only.
  std::string variant;
  std::map<std::string, std::string> project_variants;

  // From text; errors name the field: python "3.6", abi "cp36m" ("" = the
  // CPython default for the version: cp27mu, cp36m, cp38...), glibc "2.23",
  // arch as wheel platform tags name it ("x86_64", "aarch64").
  static Result<Environment> make(const std::string& python, const std::string& abi, const std::string& glibc,
                                  const std::string& variant = "", const std::string& arch = "x86_64");

  std::string variant_for(const std::string& normalized_project) const;
  // "python 3.6 / cp36m / glibc 2.23 / variant cpu": for messages and the lock.
  std::string describe() const;
  std::string glibc() const;  // "2.23", "" when not a glibc system
};

}  // namespace dl::resolve
