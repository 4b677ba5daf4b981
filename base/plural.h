// "1 image", "2 images", "0 images": counts in summaries read as English.
// Header-only and tiny, so summaries include it without touching the
// widely included base/strings.h.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace dl {

// `plural` defaults to `singular` + "s" ("entry" needs "entries").
inline std::string count_of(std::uint64_t n, std::string_view singular, std::string_view plural = {}) {
  std::string noun(n == 1 ? singular : (plural.empty() ? std::string(singular) + "s" : std::string(plural)));
  return std::to_string(n) + " " + noun;
}

}  // namespace dl
