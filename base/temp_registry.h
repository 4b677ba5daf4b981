// Live TempDirs, so that they are removed on every way out of the process:
// destructors on return and exceptions, a signal handler on SIGINT, SIGTERM,
// SIGHUP and SIGQUIT, and, for SIGKILL, the next run: a TempDir's name
// carries its owner's pid ("dlimage-copy-<pid>-XXXXXX"), and creating one
// removes same-prefix directories of this user whose owner is gone.
// Internal to base/fs.cc.
#pragma once

#include <string>
#include <string_view>

namespace dl::detail {

void register_temp_dir(const std::string& path);
void unregister_temp_dir(const std::string& path);
// Removes <tmp>/<prefix>-<pid>-* left by processes that no longer exist.
void remove_orphaned_temp_dirs(const std::string& tmp, std::string_view prefix);

}  // namespace dl::detail
