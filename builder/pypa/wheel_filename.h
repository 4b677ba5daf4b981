// PEP 427 wheel filenames:
//   {name}-{version}(-{build})?-{python}-{abi}-{platform}.whl
// where python/abi/platform may be compressed tag sets ("py2.py3").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "builder/pypa/tags.h"
#include "builder/pypa/version.h"

namespace dl::pypa {

// Build tags compare as (number, rest): "1" < "2" < "10" < "10a".
struct BuildTag {
  uint64_t number = 0;
  std::string rest;
  std::string str() const { return std::to_string(number) + rest; }
  auto operator<=>(const BuildTag&) const = default;
  bool operator==(const BuildTag&) const = default;
};

struct WheelFilename {
  std::string filename;         // as given (basename)
  std::string name;             // as in the file: "tensorflow_gpu"
  std::string normalized_name;  // PEP 503: "tensorflow-gpu"
  Version version;
  std::optional<BuildTag> build;
  std::vector<std::string> python_tags;    // "py2", "py3"
  std::vector<std::string> abi_tags;       // "none"
  std::vector<std::string> platform_tags;  // "manylinux1_x86_64", ...
  // Cartesian product, python-major order, deduplicated.
  std::vector<Tag> tags;
};

// Accepts a basename or a path/URL (everything up to the last '/' is ignored).
// Errors: "invalid wheel filename 'x.whl': <what> (expected <what>)".
Result<WheelFilename> parse_wheel_filename(std::string_view filename);

}  // namespace dl::pypa
