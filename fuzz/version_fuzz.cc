// PEP 440 versions and specifier sets (wheel names, index pages, METADATA).
// Invariant: a parsed version's normal form parses to an equal version.
#include "builder/pypa/version.h"
#include "fuzz/fuzz.h"

DL_FUZZ_TARGET {
  auto s = dl::fuzz::text(data, size);
  if (auto v = dl::pypa::Version::parse(s); v.ok()) {
    auto again = dl::pypa::Version::parse(v->str());
    dl::fuzz::check(again.ok() && *again == *v && again->str() == v->str(), "version normal form", v->str());
  }
  if (auto set = dl::pypa::SpecifierSet::parse(s); set.ok()) {
    auto again = dl::pypa::SpecifierSet::parse(set->str());
    dl::fuzz::check(again.ok() && again->str() == set->str(), "specifier set normal form", set->str());
  }
  return 0;
}
