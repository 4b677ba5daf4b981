#include "builder/wheel/set_check.h"

#include "base/strings.h"
#include "builder/pypa/tags.h"

namespace dl::wheel {

Result<pypa::TargetEnvironment> cpython_target(const std::string& python_version) {
  auto parts = split(python_version, '.');
  if (parts.size() < 2 || parts.size() > 3)
    return invalid("python version \"" + python_version + "\" (expected X.Y or X.Y.Z)");
  std::string xy = parts[0] + "." + parts[1];
  // The ABI tag plays no part in markers; any valid one for X.Y will do.
  auto interp = pypa::Interpreter::make(xy, "cp" + parts[0] + parts[1], "");
  if (!interp.ok()) return interp.error();
  pypa::TargetEnvironment t;
  t.label = "python " + xy;
  t.env = pypa::Environment::linux_cpython(*interp, parts.size() == 3 ? python_version : "");
  return t;
}

std::vector<pypa::Problem> check_wheel_set(const std::vector<WheelContents>& wheels,
                                           const std::vector<pypa::TargetEnvironment>& targets) {
  std::vector<pypa::Distribution> set;
  for (auto& w : wheels) {
    pypa::Distribution d;
    d.name = w.name;
    d.version = w.version;
    d.requires_dist = w.metadata.requires_dist;
    d.provides_extras = w.metadata.provides_extra;
    set.push_back(std::move(d));
  }
  return pypa::check_completeness(set, targets);
}

Status require_complete(const std::vector<WheelContents>& wheels, const std::string& python_version) {
  DL_ASSIGN_OR_RETURN(pypa::TargetEnvironment target, cpython_target(python_version));
  return require_complete(wheels, target);
}

Status require_complete(const std::vector<WheelContents>& wheels, const pypa::TargetEnvironment& target) {
  auto problems = check_wheel_set(wheels, {target});
  if (problems.empty()) return {};
  std::string msg = "incomplete wheel set for " + target.label + " (" + std::to_string(problems.size()) + " problem" +
                    (problems.size() == 1 ? "" : "s") + "): ";
  for (size_t i = 0; i < problems.size(); ++i) msg += (i ? "; " : "") + problems[i].message;
  return invalid(msg);
}

}  // namespace dl::wheel
