// Reads a binary package (deb(5)): an ar archive of `debian-binary` ("2.0"),
// `control.tar[.gz|.xz|.zst]` and `data.tar[.gz|.xz|.zst|.bz2]`, in that
// order. The control members are small and read into memory (bounded); the
// data members stream, one entry at a time, to the caller, so a package is
// read once and never unpacked to disk. Every error names the .deb.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "base/fs.h"
#include "base/result.h"
#include "builder/deb/deb822.h"
#include "builder/layer/entry.h"
#include "builder/layer/stream.h"

namespace dl::deb {

struct DebControl {
  Paragraph control;                           // the `control` file
  std::map<std::string, std::string> members;  // every other control.tar file: md5sums, conffiles, postinst, ...
  std::string package() const { return control.get("Package"); }
  std::string version() const { return control.get("Version"); }
  std::string architecture() const { return control.get("Architecture"); }
};

// One data.tar entry: path as the package has it ("./usr/bin/x" -> "usr/bin/x",
// "" for the root "./"), type, mode, owner, size, link target.
struct DataEntry {
  layer::Entry entry;
  std::string raw_path;  // as in the tar, for error messages
};

// Called once per data entry; `content` yields the file's bytes (files only).
using DataEntryFn = std::function<Status(const DataEntry&, const layer::ReadFn& content)>;
// Called once, after the control member and before the first data entry.
using ControlFn = std::function<Status(const DebControl&)>;

struct DebLimits {
  std::uint64_t max_control_bytes = 64 << 20;  // all control members together
  std::uint64_t max_entries = 1 << 20;         // data entries
  std::uint64_t max_path_bytes = 4096;
};

// Reads `deb` (shown as `name` in errors: the package file or URL).
Status read_deb(const fs::path& deb, const std::string& name, const ControlFn& on_control, const DataEntryFn& on_entry,
                const DebLimits& limits = {});

// Only the control part (skips data).
Result<DebControl> read_deb_control(const fs::path& deb, const std::string& name);

}  // namespace dl::deb
