// Image references (command line, index.json annotations, --from).
// Invariant: a parsed reference's string form parses to itself.
#include "fuzz/fuzz.h"
#include "registry/reference/reference.h"

DL_FUZZ_TARGET {
  auto r = dl::registry::parse_reference(dl::fuzz::text(data, size));
  if (!r.ok()) return 0;
  auto again = dl::registry::parse_reference(r->str());
  dl::fuzz::check(again.ok() && again->str() == r->str(), "reference round trip", r->str());
  return 0;
}
