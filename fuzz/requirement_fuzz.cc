// PEP 508 requirements (Requires-Dist lines of downloaded wheels, recipes).
// Invariant: a requirement's canonical text parses to the same canonical text.
#include "builder/pypa/requirement.h"
#include "fuzz/fuzz.h"

DL_FUZZ_TARGET {
  auto r = dl::pypa::parse_requirement(dl::fuzz::text(data, size));
  if (!r.ok()) return 0;
  auto again = dl::pypa::parse_requirement(r->str());
  dl::fuzz::check(again.ok() && again->str() == r->str(), "requirement canonical text", r->str());
  (void)r->normalized_name();
  return 0;
}
