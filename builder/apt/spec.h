// The `apt:` section of dlimage YAML (bases, accelerators, recipes):
//
//   apt:
//     sources:                       # optional; default: the machine's apt config
//       - uris: [http://archive.example/debian]   # or one scalar
//         suites: [bookworm]
//         components: [main]
//         architectures: [amd64]     # optional
//         signed_by: /usr/share/keyrings/debian-archive-keyring.gpg
//     packages:
//       - python3                    # name
//       - libgomp1=12.2.0-14         # apt's name=version pin
//       - {name: libhdf5-dev, version: "1.10.8+repack1-1"}
//     recommends: false              # default false: Recommends not installed
//
// Typed parsing only, with located errors ("<file>:L:C: ...") and unknown
// keys refused with the nearest known key. Wiring into matrix/recipe (and
// `when:`) belongs to those schemas.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "base/result.h"
#include "builder/apt/sources.h"
#include "builder/matrix/yaml_source.h"

namespace dl::apt {

struct PackageSpec {
  std::string name;
  std::string arch;     // "" = the build arch; from "name:arch"
  std::string version;  // "" = newest candidate; else an exact Debian version
  bool operator==(const PackageSpec&) const = default;
};

struct AptSpec {
  std::vector<Source> sources;  // empty: use load_system_sources()
  std::vector<PackageSpec> packages;
  bool recommends = false;
};

// "name", "name:arch", "name=version", "name:arch=version". Names follow
// Debian policy (lowercase alnum and + - .), so a typo such as "Python3"
// is refused here rather than as "unknown package" later.
Result<PackageSpec> parse_package_spec(std::string_view text);

// Parses the value of an `apt:` key. Source origins read "<file>:L:C".
// `extra_keys` are top-level keys the caller owns (e.g. "when"): accepted
// here and left for the caller to read from `node`.
// `entry_keys` are keys of each source or package entry the caller owns
// (the recipe loader's per-entry "when"), accepted here likewise.
Result<AptSpec> parse_apt_spec(const YAML::Node& node, const yamlsrc::Source& src,
                               const std::vector<std::string>& extra_keys = {},
                               const std::vector<std::string>& entry_keys = {});

// Concatenates specs in order (base, then accelerator, then recipe): sources
// and packages append, recommends is true if any says so. A package named
// twice with different pins is an error naming both.
Result<AptSpec> merge_apt_specs(const std::vector<AptSpec>& specs);

}  // namespace dl::apt
