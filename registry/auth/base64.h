// Standard base64 (RFC 4648) for Basic auth headers and config.json "auth".
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace dl::registry {

std::string base64_encode(std::string_view data);
// Accepts missing padding and surrounding whitespace; nullopt on bad input.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace dl::registry
