#include "builder/apt/status.h"

#include "base/strings.h"
#include "builder/deb/deb822.h"

namespace dl::apt {

namespace {

Error at(const std::string& file, int line, const std::string& msg) {
  return invalid(file + ":" + std::to_string(line) + ": " + msg);
}

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
    DL_ASSIGN_OR_RETURN(auto paras, deb::parse_deb822(stanza, file, {.max_paragraphs = 1}));
    if (!paras.empty()) {
      const deb::Paragraph& p = paras[0];
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
