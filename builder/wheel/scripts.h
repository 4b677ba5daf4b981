// The two kinds of executable a wheel installs: scripts shipped in
// .data/scripts whose "#!python" first line is replaced by the image's
// interpreter, and wrappers generated for console_scripts/gui_scripts entry
// points. Both follow pip 23 byte for byte, so an image built here and one
// built with pip carry identical scripts.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "builder/wheel/metadata.h"

namespace dl::wheel {

// The longest first line looked at; a script whose "#!python" line is longer
// is refused rather than buffered.
constexpr size_t kMaxShebangLine = 4096;

// True when `first_line` (without its "\n") is one pip rewrites: it starts
// with "#!python" ("#!pythonw", "#!python3.6 -u", ...).
bool is_python_shebang(std::string_view first_line);

// pip drops everything after "#!python..." and writes "#!<interpreter>\n".
std::string rewritten_shebang(std::string_view interpreter);

// The wrapper file for `ep`. Errors when the entry point has no ":attr" or
// its name is not a plain file name.
Result<std::string> entry_point_wrapper(const EntryPoint& ep, std::string_view interpreter);

}  // namespace dl::wheel
