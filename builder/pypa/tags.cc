#include "builder/pypa/tags.h"

#include <charconv>

namespace dl::pypa {
namespace {

std::string nodot(int major, int minor) { return std::to_string(major) + std::to_string(minor); }

// PEP 384: the stable ABI exists from CPython 3.2 on.
bool abi3_applies(int major, int minor) { return major > 3 || (major == 3 && minor >= 2); }

bool parse_int(std::string_view s, int& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && out >= 0;
}

bool parse_major_minor(std::string_view text, int& major, int& minor) {
  size_t dot = text.find('.');
  if (dot == std::string_view::npos) return false;
  return parse_int(text.substr(0, dot), major) && parse_int(text.substr(dot + 1), minor);
}

}  // namespace

Result<Interpreter> Interpreter::make(std::string_view python, std::string_view abi, std::string_view glibc,
                                      std::string_view arch) {
  Interpreter i;
  if (!parse_major_minor(python, i.python_major, i.python_minor)) {
    return invalid("invalid python version '" + std::string(python) + "' (expected MAJOR.MINOR, e.g. 3.6)");
  }
  std::string want = "cp" + nodot(i.python_major, i.python_minor);
  if (abi.substr(0, want.size()) != want || abi.find_first_of("-. ") != std::string_view::npos) {
    return invalid("invalid abi '" + std::string(abi) + "' for python " + std::string(python) + " (expected " + want +
                   " followed by optional flags, e.g. " + want + "m)");
  }
  i.abi = std::string(abi);
  if (glibc.empty()) {
    i.glibc_major = i.glibc_minor = 0;
  } else if (!parse_major_minor(glibc, i.glibc_major, i.glibc_minor)) {
    return invalid("invalid glibc version '" + std::string(glibc) + "' (expected MAJOR.MINOR, e.g. 2.17)");
  }
  if (arch.empty() || arch.find_first_of("-. ") != std::string_view::npos) {
    return invalid("invalid architecture '" + std::string(arch) + "' (expected e.g. x86_64)");
  }
  i.arch = std::string(arch);
  return i;
}

std::string Interpreter::python_tag() const { return "cp" + nodot(python_major, python_minor); }

std::string Interpreter::python_version() const {
  return std::to_string(python_major) + "." + std::to_string(python_minor);
}

std::vector<std::string> linux_platforms(int glibc_major, int glibc_minor, std::string_view arch) {
  std::vector<std::string> out;
  const std::string a(arch);
  // packaging._manylinux: manylinux tags only for these architectures (armv7l
  // and i686 need an ABI check of the running interpreter that we assume passes).
  bool manylinux_arch =
      a == "x86_64" || a == "i686" || a == "aarch64" || a == "ppc64" || a == "ppc64le" || a == "s390x" || a == "armv7l";
  if (glibc_major >= 2 && manylinux_arch) {
    // The oldest glibc with a manylinux tag: 2.5 on x86, 2.17 elsewhere.
    int too_old_major = 2, too_old_minor = (a == "x86_64" || a == "i686") ? 4 : 16;
    // Compatibility is assumed across glibc major versions; every earlier
    // major contributes minors from packaging's _LAST_GLIBC_MINOR (50) down.
    std::vector<std::pair<int, int>> maxima{{glibc_major, glibc_minor}};
    for (int major = glibc_major - 1; major > 1; --major) maxima.emplace_back(major, 50);
    for (auto [major, max_minor] : maxima) {
      int min_minor = major == too_old_major ? too_old_minor : -1;
      for (int minor = max_minor; minor > min_minor; --minor) {
        out.push_back("manylinux_" + std::to_string(major) + "_" + std::to_string(minor) + "_" + a);
        if (major == 2 && minor == 17) out.push_back("manylinux2014_" + a);
        if (major == 2 && minor == 12) out.push_back("manylinux2010_" + a);
        if (major == 2 && minor == 5) out.push_back("manylinux1_" + a);
      }
    }
  }
  out.push_back("linux_" + a);
  return out;
}

std::vector<Tag> cpython_tags(int major, int minor, const std::vector<std::string>& abis,
                              const std::vector<std::string>& platforms) {
  std::vector<Tag> out;
  const std::string interp = "cp" + nodot(major, minor);
  // abi3 and none are placed at their fixed positions, never first.
  for (const auto& abi : abis) {
    if (abi == "abi3" || abi == "none") continue;
    for (const auto& p : platforms) out.push_back({interp, abi, p});
  }
  if (abi3_applies(major, minor)) {
    for (const auto& p : platforms) out.push_back({interp, "abi3", p});
  }
  for (const auto& p : platforms) out.push_back({interp, "none", p});
  if (abi3_applies(major, minor)) {
    // Extensions built against an older stable ABI still load.
    for (int m = minor - 1; m > 1; --m) {
      for (const auto& p : platforms) out.push_back({"cp" + nodot(major, m), "abi3", p});
    }
  }
  return out;
}

std::vector<Tag> compatible_tags(int major, int minor, std::string_view interpreter,
                                 const std::vector<std::string>& platforms) {
  // py36, py3, py35, ..., py30.
  std::vector<std::string> pys{"py" + nodot(major, minor), "py" + std::to_string(major)};
  for (int m = minor - 1; m >= 0; --m) pys.push_back("py" + nodot(major, m));
  std::vector<Tag> out;
  for (const auto& py : pys) {
    for (const auto& p : platforms) out.push_back({py, "none", p});
  }
  if (!interpreter.empty()) out.push_back({std::string(interpreter), "none", "any"});
  for (const auto& py : pys) out.push_back({py, "none", "any"});
  return out;
}

std::vector<Tag> supported_tags(const Interpreter& interp) {
  std::vector<std::string> platforms = interp.platforms.empty()
                                           ? linux_platforms(interp.glibc_major, interp.glibc_minor, interp.arch)
                                           : interp.platforms;
  std::vector<Tag> tags = cpython_tags(interp.python_major, interp.python_minor, {interp.abi}, platforms);
  std::vector<Tag> more = compatible_tags(interp.python_major, interp.python_minor, interp.python_tag(), platforms);
  tags.insert(tags.end(), more.begin(), more.end());
  return tags;
}

SupportedTags::SupportedTags(const Interpreter& interp) : tags_(supported_tags(interp)) { index(); }

SupportedTags::SupportedTags(std::vector<Tag> tags) : tags_(std::move(tags)) { index(); }

void SupportedTags::index() {
  for (size_t i = 0; i < tags_.size(); ++i) {
    priority_.emplace(tags_[i].str(), i);  // first occurrence wins
    interpreters_[tags_[i].interpreter] = true;
    abis_[tags_[i].abi] = true;
    platforms_[tags_[i].platform] = true;
  }
}

std::optional<size_t> SupportedTags::priority(const Tag& tag) const {
  auto it = priority_.find(tag.str());
  if (it == priority_.end()) return std::nullopt;
  return it->second;
}

std::optional<size_t> SupportedTags::best_priority(const std::vector<Tag>& tags) const {
  std::optional<size_t> best;
  for (const auto& t : tags) {
    auto p = priority(t);
    if (p && (!best || *p < *best)) best = p;
  }
  return best;
}

std::string SupportedTags::describe() const { return tags_.empty() ? "(no tags)" : tags_.front().str(); }

bool SupportedTags::supports_interpreter(std::string_view t) const { return interpreters_.count(std::string(t)) != 0; }
bool SupportedTags::supports_abi(std::string_view t) const { return abis_.count(std::string(t)) != 0; }
bool SupportedTags::supports_platform(std::string_view t) const { return platforms_.count(std::string(t)) != 0; }

}  // namespace dl::pypa
