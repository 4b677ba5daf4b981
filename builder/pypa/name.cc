#include "builder/pypa/name.h"

#include <cctype>

namespace dl::pypa {
namespace {

bool is_sep(char c) { return c == '-' || c == '_' || c == '.'; }

std::string collapse(std::string_view name, char sep) {
  std::string out;
  out.reserve(name.size());
  bool in_run = false;
  for (char c : name) {
    if (is_sep(c)) {
      if (!in_run) out.push_back(sep);
      in_run = true;
    } else {
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
      in_run = false;
    }
  }
  return out;
}

}  // namespace

std::string normalize_name(std::string_view name) { return collapse(name, '-'); }

std::string wheel_escape_name(std::string_view name) { return collapse(name, '_'); }

bool is_valid_name(std::string_view name) {
  if (name.empty()) return false;
  auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  if (!alnum(name.front()) || !alnum(name.back())) return false;
  for (char c : name) {
    if (!alnum(c) && !is_sep(c)) return false;
  }
  return true;
}

std::string wheel_escape_version(std::string_view version) {
  std::string out(version);
  for (char& c : out) {
    if (c == '-') c = '_';
  }
  return out;
}

}  // namespace dl::pypa
