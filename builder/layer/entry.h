// One tar entry as the pipeline and the wheel installer describe it. The
// layer writer normalises everything that would make two builds of the same
// content differ (owners, times, mode noise).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace dl::layer {

enum class EntryType { file, dir, symlink, hardlink };

struct Entry {
  std::string path;        // inside the layer: "usr/lib/x.so" ("/" or "./" prefixes are stripped)
  std::uint32_t mode = 0;  // permission bits incl. setuid/setgid/sticky; 0 = default for the type
  std::uint64_t size = 0;  // file: exact byte count the reader yields
  EntryType type = EntryType::file;
  std::string link_target;  // symlink: target as written; hardlink: earlier path in this layer
  std::int64_t mtime = -1;  // -1 = SOURCE_DATE_EPOCH; later times are clamped down to it
  std::uint32_t uid = 0, gid = 0;
  std::string uname, gname;  // empty unless the caller sets them
};

// "./a//b/" -> "a/b". Refuses empty paths and ".." components, naming `path`.
Result<std::string> clean_entry_path(std::string_view path);

// Orders paths the way `tar --sort=name` walks a tree: component by
// component, bytewise, so every directory precedes its contents.
bool entry_path_less(std::string_view a, std::string_view b);
void sort_entries(std::vector<Entry>& entries);

// Whiteout names (OCI image spec "Representing Changes").
std::string whiteout_path(std::string_view deleted_path);  // "a/b" -> "a/.wh.b"
std::string opaque_whiteout_path(std::string_view dir);    // "a" -> "a/.wh..wh..opq"

}  // namespace dl::layer
