// A PEP 503 simple-index page, as served by any index the user points at.
#include "builder/wheel/source.h"
#include "fuzz/fuzz.h"

DL_FUZZ_TARGET {
  std::string html(dl::fuzz::text(data, size));
  (void)dl::wheel::parse_simple_page(html, "https://index.example/simple/numpy/");
  return 0;
}
