#include "base/json_limits.h"

#include <string>

namespace dl {

Status check_json_limits(std::string_view text, std::string_view what, const JsonLimits& limits) {
  if (text.size() > limits.max_bytes)
    return Error(ErrorKind::remote, std::string(what) + ": " + std::to_string(text.size()) +
                                        " bytes of JSON, more than the limit of " + std::to_string(limits.max_bytes));
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limits.max_depth)
        return Error(ErrorKind::remote, std::string(what) + ": JSON nested deeper than the limit of " +
                                            std::to_string(limits.max_depth) + " levels");
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return {};
}

}  // namespace dl
