// What dlimage is: its release version and the source commit it was built
// from. Reports, provenance and `--version` print them; the commit is read at
// build time (cmake/WriteVersion.cmake), "unknown" outside a git checkout.
#pragma once

#include <string_view>

namespace dl {

std::string_view dlimage_version();  // "0.1.0"
std::string_view dlimage_commit();   // full sha1, with "-dirty" for local changes

}  // namespace dl
