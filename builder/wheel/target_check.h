// Whether a wheel may be installed for the TARGET interpreter (the image's,
// never the running machine's), decided as pip decides at install time:
//   - one of the file name's tags must be in the interpreter's supported
//     list ("... is not a supported wheel on this platform");
//   - METADATA Requires-Python, when present and valid, must contain the
//     interpreter version ("Package 'pip' requires a different Python").
//     Like pip, an unparseable Requires-Python is ignored.
// The index's data-requires-python is applied earlier, when a file is
// chosen (pypa/select.h); this check catches wheels that arrive any other
// way (a wheelhouse, a lock, the command line).
#pragma once

#include <string>

#include "base/result.h"
#include "builder/pypa/tags.h"
#include "builder/wheel/wheel_archive.h"

namespace dl::wheel {

struct Target {
  pypa::Interpreter interpreter;
  // Checked against Requires-Python; "" = "<major>.<minor>" (pip
  // --python-version X.Y does the same).
  std::string python_full_version;
  std::string describe() const;  // "Python 3.6 (cp36m, glibc 2.23, x86_64)"
};

// Error (invalid_input) names the wheel, what it requires and the target.
Status check_installable(const WheelContents& wheel, const Target& target, const pypa::SupportedTags& supported);

// The ABI pip's own interpreter reports for a CPython X.Y as Debian builds
// it: cp27mu, cp3Ym before 3.8, cp3Y after.
std::string default_abi(int major, int minor);

}  // namespace dl::wheel
