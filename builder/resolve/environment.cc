#include "builder/resolve/environment.h"

#include <charconv>

namespace dl::resolve {

namespace {

std::string default_abi(const std::string& python) {
  auto dot = python.find('.');
  if (dot == std::string::npos) return "";
  std::string major = python.substr(0, dot), minor = python.substr(dot + 1);
  std::string tag = "cp" + major + minor;
  if (major == "2") return tag + "mu";  // Debian/Ubuntu build Python 2 with wide unicode
  int n = 0;
  auto [end, ec] = std::from_chars(minor.data(), minor.data() + minor.size(), n);
  if (major == "3" && ec == std::errc() && end == minor.data() + minor.size() && n < 8) return tag + "m";
  return tag;
}

}  // namespace

Result<Environment> Environment::make(const std::string& python, const std::string& abi, const std::string& glibc,
                                      const std::string& variant, const std::string& arch) {
  std::string a = abi.empty() ? default_abi(python) : abi;
  DL_ASSIGN_OR_RETURN(auto interp, pypa::Interpreter::make(python, a, glibc, arch));
  Environment e;
  e.interpreter = interp;
  e.python_full = interp.python_version() + ".0";
  e.markers = pypa::Environment::linux_cpython(interp, e.python_full);
  e.variant = variant;
  return e;
}

std::string Environment::variant_for(const std::string& project) const {
  if (auto it = project_variants.find(project); it != project_variants.end()) return it->second;
  return variant;
}

std::string Environment::glibc() const {
  if (interpreter.glibc_major == 0) return "";
  return std::to_string(interpreter.glibc_major) + "." + std::to_string(interpreter.glibc_minor);
}

std::string Environment::describe() const {
  std::string s = "python " + interpreter.python_version() + " / " + interpreter.abi + " / glibc " +
                  (glibc().empty() ? "none" : glibc());
  std::string v = variant;
  for (auto& [p, l] : project_variants) v += (v.empty() ? "" : ",") + p + "=" + l;
  if (!v.empty()) s += " / variant " + v;
  return s;
}

}  // namespace dl::resolve
