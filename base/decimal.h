// Unsigned decimal numbers from outside (HTTP headers, Release files,
// Packages indexes, image labels), read strictly: digits only, no sign, no
// spaces, no trailing junk, no overflow. strtoull would read "12x" as 12
// and "-1" as 2^64-1, so a hostile header could shrink or grow a size.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace dl {

inline std::optional<std::uint64_t> parse_decimal(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 10);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace dl
