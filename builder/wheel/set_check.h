// Dependency completeness of a chosen set of wheels: every Requires-Dist of
// every wheel (with markers evaluated for the target interpreter) must be
// met by another wheel of the set. Delegates to pypa::check_completeness.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "builder/pypa/completeness.h"
#include "builder/wheel/wheel_archive.h"

namespace dl::wheel {

// Marker environment of a Linux CPython "X.Y" (optionally "X.Y.Z").
Result<pypa::TargetEnvironment> cpython_target(const std::string& python_version);

std::vector<pypa::Problem> check_wheel_set(const std::vector<WheelContents>& wheels,
                                           const std::vector<pypa::TargetEnvironment>& targets);

// Fails (invalid_input) with every problem, one per line, when the set is incomplete.
Status require_complete(const std::vector<WheelContents>& wheels, const std::string& python_version);
// The same for a target already parsed (the build's: its markers carry the
// image's architecture, not this machine's default).
Status require_complete(const std::vector<WheelContents>& wheels, const pypa::TargetEnvironment& target);

}  // namespace dl::wheel
