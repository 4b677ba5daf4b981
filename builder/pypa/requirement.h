// PEP 508 dependency specifications:
//   name [extras] (specifier | @ url) ; marker
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "builder/pypa/markers.h"
#include "builder/pypa/version.h"

namespace dl::pypa {

struct Requirement {
  std::string name;                 // as written
  std::vector<std::string> extras;  // as written, in order
  SpecifierSet specifier;
  std::string url;  // after "@", "" if none
  std::optional<Marker> marker;

  std::string normalized_name() const;
  std::string str() const;  // canonical text: "numpy[a,b]>=1.13.3; python_version < \"3\""
  // True when there is no marker or it evaluates true. A marker that cannot
  // be evaluated is an error.
  Result<bool> applies(const Environment& env) const;
};

// Errors: "invalid requirement 'numpy >= 1.0 )': column 13: unexpected ')'
// (expected ',' or ';' or end of text)". Columns are 1-based.
Result<Requirement> parse_requirement(std::string_view text);

}  // namespace dl::pypa
