#include "registry/auth/challenge.h"

#include "base/strings.h"

namespace dl::registry {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t'; }

// A token ends at whitespace, ',', or '='.
std::string read_token(std::string_view s, size_t& i) {
  size_t start = i;
  while (i < s.size() && !is_space(s[i]) && s[i] != ',' && s[i] != '=') ++i;
  return std::string(s.substr(start, i - start));
}

std::string read_value(std::string_view s, size_t& i) {
  std::string out;
  if (i < s.size() && s[i] == '"') {
    ++i;
    while (i < s.size() && s[i] != '"') {
      if (s[i] == '\\' && i + 1 < s.size()) ++i;
      out += s[i++];
    }
    if (i < s.size()) ++i;  // closing quote
    return out;
  }
  while (i < s.size() && s[i] != ',' && !is_space(s[i])) out += s[i++];
  return out;
}

void skip(std::string_view s, size_t& i, bool commas) {
  while (i < s.size() && (is_space(s[i]) || (commas && s[i] == ','))) ++i;
}

}  // namespace

std::vector<Challenge> parse_challenges(std::string_view header) {
  std::vector<Challenge> out;
  size_t i = 0;
  while (true) {
    skip(header, i, true);
    if (i >= header.size()) break;
    std::string tok = read_token(header, i);
    if (tok.empty()) {  // stray '=': skip a character to make progress
      ++i;
      continue;
    }
    size_t j = i;
    skip(header, j, false);
    if (j < header.size() && header[j] == '=' && !out.empty()) {
      // Allow token68-style padding ("abc==") to stay part of the token.
      i = j + 1;
      skip(header, i, false);
      out.back().params[to_lower(tok)] = read_value(header, i);
    } else {
      Challenge c;
      c.scheme = to_lower(tok);
      out.push_back(std::move(c));
    }
  }
  return out;
}

}  // namespace dl::registry
