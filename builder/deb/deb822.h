// Debian control-file paragraphs (deb822, Debian Policy 5.1): the format of
// a package's `control`, of dpkg's `status` and of apt's indexes. Field
// order and continuation lines are kept, so a status entry written back is
// the entry that was read. Field names compare case-insensitively.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace dl::deb {

struct Paragraph {
  // (name, value); a multi-line value keeps its "\n " continuation lines.
  std::vector<std::pair<std::string, std::string>> fields;

  // The value of `name`, or "" when absent.
  std::string get(std::string_view name) const;
  bool has(std::string_view name) const;
  // Replaces the first field called `name`, or appends it.
  void set(std::string_view name, std::string value);
  void erase(std::string_view name);
};

struct Deb822Limits {
  std::size_t max_paragraphs = 500000;
  std::size_t max_field_bytes = 1 << 20;
};

// Parses `text`; errors read "<what>:<line>: <problem>".
Result<std::vector<Paragraph>> parse_deb822(std::string_view text, std::string_view what,
                                            const Deb822Limits& limits = {});
// One paragraph, each field as "Name: value\n", no trailing blank line.
std::string render(const Paragraph& p);

}  // namespace dl::deb
