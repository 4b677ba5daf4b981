// PEP 508 environment markers. Evaluation must return a value or an error,
// and the normalised text must parse back to itself.
#include "builder/pypa/markers.h"
#include "fuzz/fuzz.h"

DL_FUZZ_TARGET {
  auto m = dl::pypa::Marker::parse(dl::fuzz::text(data, size));
  if (!m.ok()) return 0;
  auto again = dl::pypa::Marker::parse(m->str());
  dl::fuzz::check(again.ok() && again->str() == m->str(), "marker normal form", m->str());
  static const dl::pypa::Environment env{{{"python_version", "3.6"},
                                          {"python_full_version", "3.6.9"},
                                          {"os_name", "posix"},
                                          {"sys_platform", "linux"},
                                          {"platform_system", "Linux"},
                                          {"platform_machine", "x86_64"},
                                          {"implementation_name", "cpython"},
                                          {"implementation_version", "3.6.9"},
                                          {"platform_python_implementation", "CPython"},
                                          {"platform_release", ""},
                                          {"platform_version", ""},
                                          {"extra", "gpu"}}};
  (void)m->evaluate(env);
  return 0;
}
