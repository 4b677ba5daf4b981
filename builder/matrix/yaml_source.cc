#include "builder/matrix/yaml_source.h"

#include <charconv>
#include <climits>

#include "base/strings.h"

namespace dl::yamlsrc {

std::string describe(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Sequence: return "a sequence";
    case YAML::NodeType::Scalar: return "the scalar '" + n.Scalar() + "'";
    default: return "nothing";
  }
}

int value_column(const YAML::Node& n) { return n.Mark().column + 1 + (n.Tag() == "!" ? 1 : 0); }

Result<YAML::Node> Source::parse(const std::string& text) const {
  DL_TRY(check_bounds(text));
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {  // ParserException, DeepRecursion, ...
    return error_at(e.mark, "invalid YAML: " + e.msg);
  }
}

Error Source::error_at(const YAML::Mark& m, const std::string& msg) const {
  if (m.is_null()) return invalid(name_ + ": " + msg);
  return invalid(name_ + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1) + ": " + msg);
}

Error Source::error_at(const YAML::Node& n, const std::string& msg) const { return error_at(n.Mark(), msg); }

Status Source::expect_map(const YAML::Node& n, const std::string& what) const {
  if (n.IsMap()) return {};
  return error_at(n, what + " must be a mapping; got " + describe(n));
}

Status Source::expect_seq(const YAML::Node& n, const std::string& what) const {
  if (n.IsSequence()) return {};
  return error_at(n, what + " must be a sequence; got " + describe(n));
}

Status Source::expect_scalar(const YAML::Node& n, const std::string& what) const {
  if (n.IsScalar()) return {};
  return error_at(n, what + " must be a scalar; got " + describe(n));
}

Status Source::check_keys(const YAML::Node& map, const std::vector<std::string>& allowed,
                          const std::string& where) const {
  for (auto it = map.begin(); it != map.end(); ++it) {
    std::string key = it->first.Scalar();
    bool known = false;
    for (auto& a : allowed) known = known || a == key;
    if (known) continue;
    std::string hint = nearest(key, allowed);
    if (!hint.empty())
      return error_at(it->first, "unknown key '" + key + "' in " + where + "; did you mean '" + hint + "'?");
    return error_at(it->first, "unknown key '" + key + "' in " + where + "; expected one of: " + join(allowed, ", "));
  }
  return {};
}

Result<std::string> Source::scalar(const YAML::Node& n, const std::string& what) const {
  DL_TRY(expect_scalar(n, what));
  return n.Scalar();
}

Result<std::vector<std::string>> Source::scalar_list(const YAML::Node& n, const std::string& what) const {
  DL_TRY(expect_seq(n, what));
  std::vector<std::string> out;
  for (const auto& item : n) {
    if (!item.IsScalar()) return error_at(item, "each entry of " + what + " must be a scalar; got " + describe(item));
    out.push_back(item.Scalar());
  }
  return out;
}

Result<int> Source::integer(const YAML::Node& n, const std::string& what) const {
  DL_TRY(expect_scalar(n, what));
  // Decimal, or hexadecimal with 0x (YAML 1.2's core schema); optional minus sign.
  std::string_view s = n.Scalar();
  bool neg = !s.empty() && s[0] == '-';
  if (neg) s.remove_prefix(1);
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    s.remove_prefix(2);
    base = 16;
  }
  unsigned long long v = 0;  // unsigned: a second sign is refused
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (!s.empty() && ec == std::errc() && end == s.data() + s.size() && v <= INT_MAX) return neg ? -int(v) : int(v);
  return error_at(n, what + " must be an integer; got " + describe(n));
}

Result<std::vector<std::pair<std::string, std::string>>> Source::string_map(const YAML::Node& n,
                                                                            const std::string& what) const {
  DL_TRY(expect_map(n, what));
  std::vector<std::pair<std::string, std::string>> out;
  for (auto it = n.begin(); it != n.end(); ++it) {
    if (!it->second.IsScalar())
      return error_at(it->second, what + "." + it->first.Scalar() + " must be a scalar; got " + describe(it->second));
    out.emplace_back(it->first.Scalar(), it->second.Scalar());
  }
  return out;
}

}  // namespace dl::yamlsrc
