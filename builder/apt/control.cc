#include "builder/apt/control.h"

#include <strings.h>

#include "base/strings.h"

namespace dl::apt {

const Field* Paragraph::find(std::string_view name) const {
  for (const auto& f : fields)
    if (f.name.size() == name.size() && strncasecmp(f.name.data(), name.data(), name.size()) == 0) return &f;
  return nullptr;
}

std::string Paragraph::get(std::string_view name) const {
  const Field* f = find(name);
  return f ? f->value : std::string();
}

namespace {

std::string_view rstrip(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

Error at(const std::string& file, int line, const std::string& msg) {
  return invalid(file + ":" + std::to_string(line) + ": " + msg);
}

}  // namespace

Result<std::vector<Paragraph>> parse_control(std::string_view text, const std::string& file, size_t max_paragraphs) {
  std::vector<Paragraph> out;
  Paragraph cur;
  int lineno = 0;
  auto flush = [&]() -> Status {
    if (cur.fields.empty()) return {};
    if (out.size() >= max_paragraphs)
      return at(file, cur.line, "more than " + std::to_string(max_paragraphs) + " paragraphs");
    out.push_back(std::move(cur));
    cur = Paragraph{};
    return {};
  };
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = rstrip(text.substr(pos, nl - pos));
    pos = nl + 1;
    ++lineno;
    if (!line.empty() && line[0] == '#') continue;
    if (line.empty()) {
      DL_TRY(flush());
      continue;
    }
    if (line[0] == ' ' || line[0] == '\t') {
      if (cur.fields.empty()) return at(file, lineno, "continuation line before any field");
      std::string_view cont = line.substr(1);
      std::string& v = cur.fields.back().value;
      v += '\n';
      if (cont != ".") v.append(cont.data(), cont.size());
      continue;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0)
      return at(file, lineno, "expected 'Field: value', got '" + std::string(line.substr(0, 60)) + "'");
    if (cur.fields.empty()) cur.line = lineno;
    Field f;
    f.name = std::string(line.substr(0, colon));
    f.value = trim(line.substr(colon + 1));
    f.line = lineno;
    cur.fields.push_back(std::move(f));
  }
  DL_TRY(flush());
  return out;
}

namespace {

// dpkg counts these states as "the package's files are on disk".
bool present_state(std::string_view status) {
  size_t sp = status.rfind(' ');
  std::string_view state = sp == std::string_view::npos ? status : status.substr(sp + 1);
  return state == "installed" || state == "half-installed" || state == "unpacked" || state == "half-configured" ||
         state == "triggers-awaited" || state == "triggers-pending";
}

}  // namespace

Result<std::vector<InstalledPackage>> parse_status(std::string_view text, const std::string& file) {
  std::vector<InstalledPackage> out;
  size_t pos = 0;
  int lineno = 1;
  // Split into stanzas by hand so each keeps its exact text for merging.
  while (pos < text.size()) {
    while (pos < text.size() && (text[pos] == '\n' || text[pos] == '\r')) {
      ++pos;
      ++lineno;
    }
    if (pos >= text.size()) break;
    size_t end = text.find("\n\n", pos);
    end = end == std::string_view::npos ? text.size() : end + 1;
    std::string_view stanza = text.substr(pos, end - pos);
    DL_ASSIGN_OR_RETURN(auto paras, parse_control(stanza, file, 1));
    if (!paras.empty()) {
      const Paragraph& p = paras[0];
      InstalledPackage pkg;
      pkg.name = p.get("Package");
      pkg.version = p.get("Version");
      pkg.arch = p.get("Architecture");
      pkg.status = p.get("Status");
      pkg.multi_arch = p.get("Multi-Arch");
      pkg.essential = to_lower(p.get("Essential")) == "yes";
      if (pkg.name.empty()) return at(file, lineno, "stanza without a Package field");
      if (present_state(pkg.status)) {
        if (pkg.version.empty()) return at(file, lineno, "package " + pkg.name + " has no Version");
        if (pkg.arch.empty()) pkg.arch = "all";
        pkg.paragraph = std::string(stanza);
        if (pkg.paragraph.back() != '\n') pkg.paragraph += '\n';
        out.push_back(std::move(pkg));
      }
    }
    for (char c : stanza)
      if (c == '\n') ++lineno;
    pos = end;
  }
  return out;
}

}  // namespace dl::apt
