#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace dl {

std::vector<std::string> split(std::string_view s, char sep);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
std::string trim(std::string_view s);
std::string to_lower(std::string_view s);
bool starts_with(std::string_view s, std::string_view prefix);
size_t edit_distance(std::string_view a, std::string_view b);
// The candidate closest to `word`, or "" when nothing is plausibly a typo of it.
std::string nearest(std::string_view word, const std::vector<std::string>& candidates);
// Shell-style glob with * and ? only.
bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace dl
