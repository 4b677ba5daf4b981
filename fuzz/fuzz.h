// What every libFuzzer target shares: the entry point's signature, and a
// check that aborts (so libFuzzer records a crash) when an invariant breaks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#define DL_FUZZ_TARGET extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)

namespace dl::fuzz {

inline std::string_view text(const uint8_t* data, size_t size) { return {reinterpret_cast<const char*>(data), size}; }

// An invariant of the parser (a round trip, an idempotent normal form) broke.
inline void check(bool ok, const char* what, std::string_view detail = {}) {
  if (ok) return;
  std::fprintf(stderr, "fuzz invariant broken: %s: %.*s\n", what, int(detail.size()), detail.data());
  std::abort();
}

}  // namespace dl::fuzz
