// Strict reading of JSON objects that dlimage wrote and reads back (locks,
// results): typed fields, a closed set of keys, and errors that name the
// place ("dlimage.lock: environments[3]: missing \"abi\" (expected a
// string)"). Unknown keys are errors, never ignored.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "base/result.h"

namespace dl::json_fields {

// Every key of `o` must be one of `keys`.
Status known_keys(const nlohmann::json& o, std::initializer_list<const char*> keys, const std::string& where);

// A string field; absent is an error unless `required` is false ("" then).
Result<std::string> string_at(const nlohmann::json& o, const char* key, const std::string& where, bool required = true);
// An array of strings; absent is an error unless `required` is false ({} then).
Result<std::vector<std::string>> strings_at(const nlohmann::json& o, const char* key, const std::string& where,
                                            bool required = true);
Result<bool> bool_at(const nlohmann::json& o, const char* key, const std::string& where);
// An unsigned integer; `meaning` says what it counts ("bytes").
Result<std::uint64_t> uint_at(const nlohmann::json& o, const char* key, const std::string& where, const char* meaning);
// `value` is 64 lowercase hex digits.
Status check_sha256_hex(const std::string& value, const std::string& where);

}  // namespace dl::json_fields
