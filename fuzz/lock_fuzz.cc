// JSON the user keeps next to the matrix: the wheel lock and the recipes'
// URL catalogs.
#include "builder/wheel/lock.h"
#include "builder/wheel/source.h"
#include "fuzz/fuzz.h"

DL_FUZZ_TARGET {
  std::string json(dl::fuzz::text(data, size));
  (void)dl::wheel::parse_lock(json, "fuzz/dlimage.lock");
  (void)dl::wheel::parse_catalog(json, "fuzz/catalog.json");
  return 0;
}
