#include "base/version.h"

// Generated into the build tree on every build, rewritten only when the
// commit changes, so a new commit relinks without recompiling the world.
#include "dl_version_generated.h"

namespace dl {

std::string_view dlimage_version() { return DL_VERSION; }
std::string_view dlimage_commit() { return DL_GIT_COMMIT; }

}  // namespace dl
