// PEP 427 installation into an abstract sink, so the same code path writes a
// directory tree (DirectorySink) or streams straight into a tar layer (the
// layer module's adapter) without touching disk.
//
// Every entry's size is known before its bytes: files copied from the wheel
// stream with the size from the zip directory (verified against RECORD while
// streaming); files whose content is produced here (rewritten #!python
// scripts, console-script wrappers, INSTALLER, RECORD) are small and built in
// memory first.
//
// Output order is deterministic: wheels sorted by normalised name, then each
// wheel's files in zip order, then its generated files sorted by path; a
// directory entry precedes the first file below it. No .pyc is written.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"

namespace dl::wheel {

struct InstallEntry {
  enum class Type { file, dir, symlink };
  std::string path;  // relative to the image root: "usr/local/lib/python3.11/dist-packages/foo/__init__.py"
  uint32_t mode = 0644;
  uint64_t size = 0;  // exact byte count `read` will produce (0 for dir/symlink)
  Type type = Type::file;
  std::string link_target;  // symlink only
};

// Fills buf with up to cap bytes; 0 = end. An error at any call (including
// the final one, when a digest turns out wrong) means: discard this entry.
using Reader = std::function<Result<size_t>(char* buf, size_t cap)>;

class InstallSink {
 public:
  virtual ~InstallSink() = default;
  // For files, `read` must be drained until it returns 0 before the entry
  // counts as written; for dirs and symlinks it returns 0 at once.
  virtual Status add(const InstallEntry& entry, const Reader& read) = 0;
};

// Writes below `root`: directories are created, each file is written to a
// temp name next to its target and renamed over it only after its last byte
// verified. A path that would resolve outside `root` through a symlink
// already in the tree is refused.
class DirectorySink : public InstallSink {
 public:
  explicit DirectorySink(std::filesystem::path root, bool fsync_files = false);
  Status add(const InstallEntry& entry, const Reader& read) override;

 private:
  Status check_inside(const std::filesystem::path& dir);
  std::filesystem::path root_, canonical_root_;
  bool fsync_;
  std::set<std::string> checked_;  // directories already found inside root_
};

// Where one interpreter's schemes live, relative to the image root.
struct InterpreterLayout {
  std::string python_version = "3.11";  // "3.6"
  std::string purelib = "usr/local/lib/python3.11/dist-packages";
  std::string platlib = "usr/local/lib/python3.11/dist-packages";
  std::string scripts = "usr/local/bin";
  std::string headers = "usr/local/include/python3.11";  // + "/<project name>"
  std::string data = "usr/local";
  std::string interpreter = "/usr/bin/python3";  // replaces "#!python" in scripts

  // Debian's layout for pip-installed ("local") packages of python X.Y; with
  // site_packages given, purelib = platlib = site_packages.
  static InterpreterLayout debian(const std::string& python_version, const std::string& interpreter = "",
                                  const std::string& site_packages = "");
};

struct InstalledWheel {
  std::string name, version, filename;
  std::vector<std::string> scripts;  // image-root-relative paths of scripts written
  size_t files = 0;
  uint64_t bytes = 0;
};

// Installs all wheels (checked first: names, RECORD, conflicts; then
// streamed with content verification). Two wheels that would write the same
// path is an error naming both wheels and the path, raised before any byte
// reaches the sink.
Result<std::vector<InstalledWheel>> install_wheels(const std::vector<std::filesystem::path>& wheels,
                                                   const InterpreterLayout& layout, InstallSink& sink);

struct WheelContents;
// The same, for wheels already through inspect_wheel().
Result<std::vector<InstalledWheel>> install_inspected(std::vector<WheelContents> wheels,
                                                      const InterpreterLayout& layout, InstallSink& sink);

}  // namespace dl::wheel
