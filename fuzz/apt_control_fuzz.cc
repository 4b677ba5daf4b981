// Debian control files from an apt repository or an image: Packages, the
// dpkg status file, and Release/InRelease.
#include "builder/apt/fetch.h"
#include "builder/apt/status.h"
#include "builder/deb/deb822.h"
#include "fuzz/fuzz.h"

DL_FUZZ_TARGET {
  auto s = dl::fuzz::text(data, size);
  (void)dl::deb::parse_deb822(s, "fuzz/Packages");
  (void)dl::apt::parse_status(s, "fuzz/status");
  (void)dl::apt::parse_release(s, "http://deb.example/dists/bookworm/InRelease");
  return 0;
}
