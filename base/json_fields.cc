#include "base/json_fields.h"

#include <nlohmann/json.hpp>

namespace dl::json_fields {

namespace {
std::string list(std::initializer_list<const char*> keys) {
  std::string s;
  for (const char* k : keys) s += (s.empty() ? "" : ", ") + std::string(k);
  return s;
}
}  // namespace

Status known_keys(const nlohmann::json& o, std::initializer_list<const char*> keys, const std::string& where) {
  for (const auto& [k, _] : o.items()) {
    bool known = false;
    for (const char* key : keys) known |= k == key;
    if (!known) return invalid(where + ": unknown key \"" + k + "\" (expected " + list(keys) + ")");
  }
  return {};
}

Result<std::string> string_at(const nlohmann::json& o, const char* key, const std::string& where, bool required) {
  if (!o.contains(key)) {
    if (!required) return std::string();
    return invalid(where + ": missing \"" + key + "\" (expected a string)");
  }
  if (!o[key].is_string()) return invalid(where + ": \"" + key + "\" (expected a string)");
  return o[key].get<std::string>();
}

Result<std::vector<std::string>> strings_at(const nlohmann::json& o, const char* key, const std::string& where,
                                            bool required) {
  std::vector<std::string> out;
  if (!o.contains(key)) {
    if (!required) return out;
    return invalid(where + ": missing \"" + key + "\" (expected a list of strings)");
  }
  if (!o[key].is_array()) return invalid(where + ": \"" + key + "\" (expected a list of strings)");
  for (const auto& v : o[key]) {
    if (!v.is_string()) return invalid(where + ": \"" + key + "\" (expected a list of strings)");
    out.push_back(v.get<std::string>());
  }
  return out;
}

Result<bool> bool_at(const nlohmann::json& o, const char* key, const std::string& where) {
  if (!o.contains(key) || !o[key].is_boolean())
    return invalid(where + ": missing \"" + key + "\" (expected true or false)");
  return o[key].get<bool>();
}

Result<std::uint64_t> uint_at(const nlohmann::json& o, const char* key, const std::string& where, const char* meaning) {
  if (!o.contains(key) || !o[key].is_number_unsigned())
    return invalid(where + ": missing \"" + key + "\" (expected " + meaning + ")");
  return o[key].get<std::uint64_t>();
}

Status check_sha256_hex(const std::string& value, const std::string& where) {
  if (value.size() != 64 || value.find_first_not_of("0123456789abcdef") != std::string::npos)
    return invalid(where + ": sha256 \"" + value + "\" (expected 64 lowercase hex digits)");
  return {};
}

}  // namespace dl::json_fields
