// WWW-Authenticate headers from registries (RFC 7235 challenges), and the
// JSON error bodies registries send with 4xx/5xx answers.
#include "fuzz/fuzz.h"
#include "net/http.h"
#include "registry/auth/challenge.h"

DL_FUZZ_TARGET {
  auto s = dl::fuzz::text(data, size);
  (void)dl::registry::parse_challenges(s);
  (void)dl::net::parse_registry_errors(s);
  return 0;
}
