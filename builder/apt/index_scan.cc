#include "builder/apt/index_scan.h"

#include <algorithm>
#include <cstdlib>

#include "base/decimal.h"

namespace dl::apt {

namespace {

std::string_view trim_value(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\r')) v.remove_suffix(1);
  return v;
}

std::string_view line_at(std::string_view text, size_t pos) {
  size_t nl = text.find('\n', pos);
  return text.substr(pos, (nl == std::string_view::npos ? text.size() : nl) - pos);
}

bool field(std::string_view line, std::string_view name) {
  return line.size() > name.size() && line.compare(0, name.size(), name) == 0 && line[name.size()] == ':';
}

// Start of the stanza containing `pos`: just after the previous blank line.
size_t stanza_start(std::string_view text, size_t pos) {
  size_t b = text.rfind("\n\n", pos);
  return b == std::string_view::npos ? 0 : b + 2;
}

StanzaMeta parse_stanza(std::string_view text, size_t start) {
  StanzaMeta m;
  size_t pos = start;
  while (pos < text.size()) {
    std::string_view line = line_at(text, pos);
    if (line.empty() || line == "\r") break;
    pos += line.size() + 1;
    switch (line[0]) {
      case 'P':
        if (field(line, "Package"))
          m.name = trim_value(line.substr(8));
        else if (field(line, "Priority"))
          m.priority = trim_value(line.substr(9));
        break;
      case 'V':
        if (field(line, "Version")) m.version = trim_value(line.substr(8));
        break;
      case 'A':
        if (field(line, "Architecture")) m.arch = trim_value(line.substr(13));
        break;
      case 'S':
        // A malformed Size reads as unknown (0), not as its leading digits.
        if (field(line, "Size")) m.size = parse_decimal(trim_value(line.substr(5))).value_or(0);
        break;
      case 'E':
        if (field(line, "Essential")) m.essential = trim_value(line.substr(10)) == "yes";
        break;
      case 'M':
        if (field(line, "Multi-Arch")) m.multi_arch = trim_value(line.substr(11));
        break;
      default: break;
    }
  }
  if (m.arch.empty()) m.arch = "all";
  return m;
}

}  // namespace

std::vector<StanzaMeta> scan_stanzas(std::string_view text, const std::set<std::string, std::less<>>& names) {
  std::vector<StanzaMeta> out;
  size_t pos = 0;
  while (pos < text.size()) {
    if (text.compare(pos, 8, "Package:") == 0) {
      std::string_view name = trim_value(line_at(text, pos).substr(8));
      if (names.count(name)) out.push_back(parse_stanza(text, stanza_start(text, pos)));
    }
    size_t next = text.find("\nPackage:", pos);
    if (next == std::string_view::npos) break;
    pos = next + 1;
  }
  return out;
}

std::vector<std::string> essential_names(std::string_view text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while ((pos = text.find("\nEssential: yes", pos)) != std::string_view::npos) {
    StanzaMeta m = parse_stanza(text, stanza_start(text, pos + 1));
    if (m.essential && !m.name.empty()) out.push_back(m.name);
    pos += 15;
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace dl::apt
