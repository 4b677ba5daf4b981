#include "builder/wheel/target_check.h"

#include "builder/pypa/version.h"
#include "builder/pypa/wheel_filename.h"

namespace dl::wheel {

std::string Target::describe() const {
  const auto& i = interpreter;
  std::string d = "Python " + (python_full_version.empty() ? i.python_version() : python_full_version) + " (" + i.abi;
  if (i.glibc_major) d += ", glibc " + std::to_string(i.glibc_major) + "." + std::to_string(i.glibc_minor);
  return d + ", " + i.arch + ")";
}

Status check_installable(const WheelContents& w, const Target& target, const pypa::SupportedTags& supported) {
  auto parsed = pypa::parse_wheel_filename(w.filename);
  if (!parsed.ok()) return parsed.error();
  if (!supported.best_priority(parsed->tags)) {
    std::string tags;
    for (auto& t : parsed->tags) tags += (tags.empty() ? "" : ", ") + t.str();
    return invalid(w.filename + ": is not a supported wheel for the target " + target.describe() + ": its tags (" +
                   tags + ") are not among the interpreter's; expected a wheel tagged e.g. " + supported.describe());
  }
  const std::string& rp = w.metadata.requires_python;
  if (rp.empty()) return {};
  auto spec = pypa::SpecifierSet::parse(rp);
  if (!spec.ok()) return {};  // pip: "invalid Requires-Python", ignored
  std::string full =
      target.python_full_version.empty() ? target.interpreter.python_version() : target.python_full_version;
  auto version = pypa::Version::parse(full);
  if (!version.ok()) return version.error().wrap("target Python version");
  if (spec->contains(*version)) return {};
  return invalid(w.filename + ": requires Python " + rp + " (METADATA Requires-Python) but the target is " +
                 target.describe() + "; expected a release of " + w.name + " that supports Python " + full);
}

std::string default_abi(int major, int minor) {
  std::string tag = "cp" + std::to_string(major) + std::to_string(minor);
  if (major == 2) return tag + "mu";
  if (major == 3 && minor < 8) return tag + "m";
  return tag;
}

}  // namespace dl::wheel
