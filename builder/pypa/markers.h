// PEP 508 environment markers: parsing and evaluation.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"

namespace dl::pypa {

struct Interpreter;

// Marker variables. Keys are the PEP 508 names (python_version,
// python_full_version, os_name, sys_platform, platform_machine,
// platform_system, platform_release, platform_version, implementation_name,
// implementation_version, platform_python_implementation, extra).
struct Environment {
  std::map<std::string, std::string> values;

  std::string get(const std::string& key) const;  // "" when unset
  Environment with_extra(std::string_view extra) const;

  // A CPython on Linux: python_version "3.6", python_full_version given or
  // "3.6.0", os_name posix, sys_platform linux ("linux2" on Python 2),
  // platform_system Linux, platform_machine = arch, implementation cpython,
  // platform_release/platform_version "" (unknown at build time), extra "".
  static Environment linux_cpython(const Interpreter& interp, std::string_view full_version = "");
};

struct MarkerNode;

class Marker {
 public:
  // Errors: "invalid marker 'python_version = \"3\"': column 16: expected a
  // comparison operator (== != < <= > >= ~= === in, not in), found '='".
  // Columns are 1-based. A comparison needs one variable and one string.
  static Result<Marker> parse(std::string_view text);
  // Parses whole.substr(offset); errors quote `whole` with columns counted in
  // it, prefixed by `what` ("invalid requirement").
  static Result<Marker> parse_within(std::string_view whole, size_t offset, std::string_view what);

  // Version comparison when "<op><string>" is a valid specifier and the
  // variable's value is a PEP 440 version (pre-releases included), Python
  // string comparison otherwise; `in` / `not in` are substring tests;
  // `extra` compares PEP 503-normalised. Errors for e.g. ~= on non-versions
  // or a variable missing from the environment (`extra` defaults to "").
  Result<bool> evaluate(const Environment& env) const;

  std::string str() const;  // normalised: variables bare, strings double-quoted
  bool empty() const { return root_ == nullptr; }
  bool mentions_extra() const;

 private:
  std::shared_ptr<const MarkerNode> root_;
  friend struct MarkerParser;
};

}  // namespace dl::pypa
