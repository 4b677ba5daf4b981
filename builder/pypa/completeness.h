// Checking a chosen set of distributions for missing or conflicting
// dependencies before any image is built: every Requires-Dist of every
// member, evaluated with markers for each target interpreter, must be
// satisfied by a member of the set.
#pragma once

#include <string>
#include <vector>

#include "builder/pypa/markers.h"

namespace dl::pypa {

struct Distribution {
  std::string name;
  std::string version;
  std::vector<std::string> requires_dist;     // METADATA Requires-Dist lines
  std::vector<std::string> provides_extras;   // METADATA Provides-Extra
  std::vector<std::string> requested_extras;  // extras the user asked for
};

struct TargetEnvironment {
  std::string label;  // "python 3.6" — used in messages
  Environment env;
};

struct Problem {
  std::string distribution;  // "tensorflow 1.6.0" (the requester)
  std::string requirement;   // the Requires-Dist text
  std::string target;        // TargetEnvironment::label
  // "tensorflow 1.6.0 requires numpy>=1.13.3, which is not in the set"
  // "tensorflow 1.6.0 requires six>=1.10.0, but six 1.9.0 is in the set"
  std::string message;
};

// Extras propagate: an extra is active on a member when the user requested
// it or an active requirement of another member names it ("a[x]").
// Requirements with `extra == "x"` markers count only when x is active.
// Unparseable Requires-Dist lines and versions are reported as problems.
std::vector<Problem> check_completeness(const std::vector<Distribution>& set,
                                        const std::vector<TargetEnvironment>& targets);

}  // namespace dl::pypa
