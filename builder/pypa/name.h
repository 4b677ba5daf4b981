// Project names: PEP 503 normalisation and the PEP 427 escaping used in
// wheel and .dist-info names.
#pragma once

#include <string>
#include <string_view>

namespace dl::pypa {

// PEP 503: lower-case, runs of [-_.] become one "-": "Foo_Bar.baz" -> "foo-bar-baz".
std::string normalize_name(std::string_view name);

// PEP 508 name grammar: ASCII letters/digits, with . _ - allowed inside
// (not at either end). "" is invalid.
bool is_valid_name(std::string_view name);

// Name as it appears in a wheel filename / .dist-info directory: runs of
// [-_.] become "_" and letters are lower-cased: "Foo-Bar.baz" -> "foo_bar_baz".
std::string wheel_escape_name(std::string_view name);

// Version as it appears in a wheel filename: "-" becomes "_". (A normalised
// PEP 440 version never contains "-", so this only matters for raw text.)
std::string wheel_escape_version(std::string_view version);

}  // namespace dl::pypa
