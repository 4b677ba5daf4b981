// How a cell's attestations are attached (attach.h): as OCI referrers only,
// the tags staying on the image manifest (the default: every reader takes
// it, umoci included), or BuildKit's index as well, the tags pointing at
// the index (what `docker buildx build --attest` writes).
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace dl::attest {

enum class Format { referrers, buildkit };

// "referrers" | "buildkit"; anything else is an error naming the nearest.
Result<Format> parse_format(std::string_view name);
std::string_view format_name(Format f);

}  // namespace dl::attest
