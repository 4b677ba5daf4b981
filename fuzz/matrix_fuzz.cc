// matrix.yaml: YAML the user writes, expanded into cells. Expansion must stay
// bounded (libFuzzer's -timeout and -rss_limit_mb catch a blow-up).
#include "builder/matrix/matrix.h"
#include "fuzz/fuzz.h"

DL_FUZZ_TARGET {
  std::string yaml(dl::fuzz::text(data, size));
  (void)dl::matrix::parse(yaml, "fuzz/matrix.yaml");
  return 0;
}
