#include "builder/pypa/wheel_filename.h"

#include <cctype>
#include <charconv>

#include "base/strings.h"
#include "builder/pypa/name.h"

namespace dl::pypa {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Index URLs escape '+' in local versions ("torch-1.5.0%2Bcu92-...").
std::string percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string basename_of(std::string_view in) {
  std::string_view s = in;
  if (s.find("://") != std::string_view::npos) {
    size_t cut = s.find_first_of("?#");
    if (cut != std::string_view::npos) s = s.substr(0, cut);
  }
  size_t slash = s.find_last_of('/');
  if (slash != std::string_view::npos) s = s.substr(slash + 1);
  return percent_decode(s);
}

bool valid_tag_part(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

}  // namespace

Result<WheelFilename> parse_wheel_filename(std::string_view input) {
  WheelFilename w;
  w.filename = basename_of(input);
  auto fail = [&](const std::string& what) -> Error {
    return invalid("invalid wheel filename '" + w.filename + "': " + what);
  };
  const std::string& f = w.filename;
  if (f.size() < 4 || f.compare(f.size() - 4, 4, ".whl") != 0) {
    return fail("does not end in '.whl'");
  }
  std::string stem = f.substr(0, f.size() - 4);
  std::vector<std::string> parts = split(stem, '-');
  if (parts.size() != 5 && parts.size() != 6) {
    return fail("has " + std::to_string(parts.size()) +
                " dash-separated parts (expected name-version[-build]-python-abi-platform.whl, "
                "with '-' inside the name or version escaped as '_')");
  }
  const std::string& name = parts[0];
  if (name.empty()) return fail("empty project name");
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.') {
      return fail("project name '" + name + "' contains '" + std::string(1, c) +
                  "' (expected letters, digits, '_' and '.')");
    }
  }
  if (!is_valid_name(name)) {
    return fail("project name '" + name + "' must start and end with a letter or digit");
  }
  if (name.find("__") != std::string::npos) {
    return fail("project name '" + name + "' contains '__' (expected single '_' separators)");
  }
  w.name = name;
  w.normalized_name = normalize_name(name);

  auto v = Version::parse(parts[1]);
  if (!v.ok()) {
    const std::string& m = v.error().message();
    size_t colon = m.find("': ");
    return fail("version '" + parts[1] + "' is not PEP 440: " + (colon == std::string::npos ? m : m.substr(colon + 3)));
  }
  w.version = *v;

  if (parts.size() == 6) {
    const std::string& b = parts[2];
    size_t d = 0;
    while (d < b.size() && std::isdigit(static_cast<unsigned char>(b[d]))) ++d;
    if (d == 0) return fail("build tag '" + b + "' does not start with a digit");
    if (d > 19) return fail("build tag '" + b + "' has a number too large");
    BuildTag tag;
    // from_chars, not stoull: a number past 2^64 is a bad file name, not an
    // exception escaping the library.
    auto [end, ec] = std::from_chars(b.data(), b.data() + d, tag.number);
    if (ec != std::errc() || end != b.data() + d) return fail("build tag '" + b + "' has a number too large");
    tag.rest = b.substr(d);
    w.build = tag;
  }

  const std::string* fields[3] = {&parts[parts.size() - 3], &parts[parts.size() - 2], &parts[parts.size() - 1]};
  const char* what[3] = {"python tag", "abi tag", "platform tag"};
  std::vector<std::string>* outs[3] = {&w.python_tags, &w.abi_tags, &w.platform_tags};
  for (int k = 0; k < 3; ++k) {
    for (auto& piece : split(*fields[k], '.')) {
      if (!valid_tag_part(piece)) {
        return fail(std::string(what[k]) + " '" + *fields[k] +
                    "' has an empty or invalid component (expected letters, digits and '_', "
                    "several joined by '.')");
      }
      outs[k]->push_back(to_lower(piece));
    }
  }
  for (const auto& py : w.python_tags) {
    for (const auto& abi : w.abi_tags) {
      for (const auto& plat : w.platform_tags) {
        Tag t{py, abi, plat};
        bool dup = false;
        for (const auto& have : w.tags) dup = dup || have == t;
        if (!dup) w.tags.push_back(std::move(t));
      }
    }
  }
  return w;
}

}  // namespace dl::pypa
