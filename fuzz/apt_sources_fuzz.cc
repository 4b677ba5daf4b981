// apt sources (deb822 *.sources and one-line sources.list, read from the
// machine or an image) and package specs ("name:arch=version") from recipes.
#include "builder/apt/sources.h"
#include "builder/apt/spec.h"
#include "fuzz/fuzz.h"

DL_FUZZ_TARGET {
  auto s = dl::fuzz::text(data, size);
  (void)dl::apt::parse_deb822_sources(s, "fuzz/debian.sources");
  (void)dl::apt::parse_sources_list(s, "fuzz/sources.list");
  (void)dl::apt::parse_package_spec(s);
  return 0;
}
