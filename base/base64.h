// Base64 (RFC 4648), the one implementation: Basic auth headers and docker
// config "auth" fields (standard, padded), cosign signature annotations
// (standard), wheel RECORD hashes and JWTs (URL-safe, unpadded).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace dl {

enum class Base64 {
  standard,  // A-Z a-z 0-9 + /, padded with '='
  url,       // A-Z a-z 0-9 - _, no padding (RECORD, JWT)
};

std::string base64_encode(std::string_view data, Base64 alphabet = Base64::standard);

// Either alphabet; '=' padding optional and whitespace (line breaks of PEM
// and config files) ignored. nullopt on any other byte, or on a trailing
// group of one character, which no encoder writes.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace dl
