// A wheel's .dist-info/METADATA, WHEEL and entry_points.txt: RFC 822 headers
// and an INI file, all written by whoever built the wheel.
#include "builder/wheel/metadata.h"
#include "fuzz/fuzz.h"

DL_FUZZ_TARGET {
  auto s = dl::fuzz::text(data, size);
  (void)dl::wheel::parse_metadata(s, "fuzz/METADATA");
  (void)dl::wheel::parse_wheel_file(s, "fuzz/WHEEL");
  (void)dl::wheel::parse_entry_points(s, "fuzz/entry_points.txt");
  return 0;
}
