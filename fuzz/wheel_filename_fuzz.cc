// Wheel file names, as found in index pages and catalogs (PEP 427 + 425).
#include "builder/pypa/wheel_filename.h"
#include "fuzz/fuzz.h"

DL_FUZZ_TARGET {
  auto w = dl::pypa::parse_wheel_filename(dl::fuzz::text(data, size));
  if (w.ok()) dl::fuzz::check(!w->tags.empty(), "a parsed wheel has at least one tag", w->filename);
  return 0;
}
