// Debian control-file syntax (deb-control(5)): paragraphs of `Field: value`
// with continuation lines. Used for Packages, Release, dpkg `status` and
// deb822 sources. Also the dpkg status reader the installer and resolver
// share.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace dl::apt {

struct Field {
  std::string name;   // as written ("Package")
  std::string value;  // continuation lines joined with '\n', outer space trimmed
  int line = 0;       // 1-based line of the field name
};

struct Paragraph {
  std::vector<Field> fields;
  int line = 0;  // 1-based first line
  // Case-insensitive, as dpkg compares field names.
  const Field* find(std::string_view name) const;
  std::string get(std::string_view name) const;  // "" when absent
};

// Bounds: at most `max_paragraphs` paragraphs; a line without ':' that is
// not a continuation, or a continuation before any field, is
// "<file>:<line>: ...". `#` comment lines are skipped (deb822 sources).
Result<std::vector<Paragraph>> parse_control(std::string_view text, const std::string& file,
                                             size_t max_paragraphs = 1u << 20);

// One installed package from a dpkg `status` file.
struct InstalledPackage {
  std::string name, version, arch;  // arch "all" or "amd64", ...
  std::string status;               // "install ok installed"
  bool essential = false;
  std::string multi_arch;  // "same", "foreign", "allowed" or ""
  std::string paragraph;   // the stanza as written (for merging status)
};

// Parses a dpkg status file. Only stanzas whose Status ends in " installed"
// (or half-configured/unpacked states dpkg still counts as present:
// "half-installed", "unpacked", "half-configured", "triggers-awaited",
// "triggers-pending") are returned; "not-installed"/"config-files" stanzas
// are skipped. `file` names the source in errors.
Result<std::vector<InstalledPackage>> parse_status(std::string_view text, const std::string& file = "status");

}  // namespace dl::apt
