// Bounds for JSON that comes from outside (manifests, indexes, tag lists,
// token responses, error bodies): checked on the raw bytes before a parser
// builds a tree, so a 1 GB body or "[[[[...]]]]" nested a million deep is
// one clear error instead of memory or stack exhaustion.
#pragma once

#include <cstddef>
#include <string_view>

#include "base/result.h"

namespace dl {

struct JsonLimits {
  size_t max_bytes = 4u << 20;
  int max_depth = 64;
};

// `what` names the document in the error ("manifest docker.io/x:1").
Status check_json_limits(std::string_view text, std::string_view what, const JsonLimits& limits = {});

}  // namespace dl
