// Internal to builder/image: nlohmann helpers that turn shape errors into
// messages naming the document, the JSON path and what was expected.
// Not for other modules (keeps nlohmann out of their compile units).
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "base/result.h"
#include "builder/image/descriptor.h"

namespace dl::image::detail {

using Json = nlohmann::json;

// Parses text; syntax errors read "<source>:<line>:<col>: invalid JSON: ...".
Result<Json> parse_json(std::string_view text, const std::string& source);
// Compact dump with sorted keys; invalid UTF-8 becomes an error.
Result<std::string> dump(const Json& j, const std::string& what);

std::string type_name(const Json& j);

// Field access with error context. `path` is the JSON path of `obj`.
struct Doc {
  std::string source;  // file name, URL or reference
  Error error(const std::string& path, const std::string& expected, const Json* got) const;
  Result<const Json*> object(const Json& obj, const std::string& path) const;
  // Missing/null -> "" unless required.
  Result<std::string> str(const Json& obj, const std::string& key, const std::string& path, bool required) const;
  Result<std::int64_t> integer(const Json& obj, const std::string& key, const std::string& path, bool required) const;
  Result<std::vector<std::string>> strings(const Json& obj, const std::string& key, const std::string& path) const;
  Result<std::map<std::string, std::string>> string_map(const Json& obj, const std::string& key,
                                                        const std::string& path) const;
  Result<Descriptor> descriptor(const Json& j, const std::string& path) const;
};

Json to_json(const Descriptor& d);

}  // namespace dl::image::detail
