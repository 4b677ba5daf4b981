// Debian control-file paragraphs (deb822, Debian Policy 5.1; deb-control(5)):
// the one parser for a package's `control`, dpkg's `status`, apt's Release
// files and deb822 `*.sources`. Field order, line numbers and continuation
// lines are kept, so a status entry written back is the entry that was read.
// Field names compare case-insensitively, as dpkg and apt compare them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace dl::deb {

struct Field {
  std::string name;   // as written ("Package")
  std::string value;  // as written after "Name:"; continuation lines keep "\n " + text
  int line = 0;       // 1-based line of the field name (0 for fields set in code)
};

struct Paragraph {
  std::vector<Field> fields;
  int line = 0;  // 1-based first line

  const Field* find(std::string_view name) const;
  // The value of `name` as written, or "" when absent.
  std::string get(std::string_view name) const;
  // A multi-line value as text (apt's reading): each continuation line loses
  // its leading blank, a line "." stands for an empty line, and the outer
  // white space is trimmed. For inline keys and checksum lists.
  std::string folded(std::string_view name) const;
  bool has(std::string_view name) const;
  // Replaces the first field called `name`, or appends it.
  void set(std::string_view name, std::string value);
  void erase(std::string_view name);
};

struct Deb822Limits {
  std::size_t max_paragraphs = 500000;
  std::size_t max_field_bytes = 1 << 20;
};

// Parses `text`; errors read "<what>:<line>: <problem>". Lines starting with
// '#' are comments (deb822 sources); a repeated field, a field name with a
// blank, or a continuation line before any field is an error.
Result<std::vector<Paragraph>> parse_deb822(std::string_view text, std::string_view what,
                                            const Deb822Limits& limits = {});
// One paragraph, each field as "Name: value\n", no trailing blank line.
std::string render(const Paragraph& p);

}  // namespace dl::deb
