// A wheel's .dist-info/RECORD (CSV of path, hash, size).
#include "builder/wheel/metadata.h"
#include "fuzz/fuzz.h"

DL_FUZZ_TARGET {
  (void)dl::wheel::parse_record(dl::fuzz::text(data, size), "fuzz/RECORD");
  return 0;
}
