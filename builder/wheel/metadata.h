// The small text files inside a wheel's .dist-info directory: WHEEL and
// METADATA (RFC 822-style headers), RECORD (CSV) and entry_points.txt (INI).
// Parsers take a `where` string ("pip-23.0.1-py3-none-any.whl: pip-23.0.1.dist-info/RECORD")
// and put it, with the line number, in every error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace dl::wheel {

// "Key: value" fields in file order; continuation lines (leading whitespace)
// are joined with "\n". Parsing stops at the first blank line (the body).
struct Headers {
  std::vector<std::pair<std::string, std::string>> fields;
  // First value of `key` (case-insensitive), if any.
  std::optional<std::string> get(std::string_view key) const;
  std::vector<std::string> all(std::string_view key) const;
};
Result<Headers> parse_headers(std::string_view text, const std::string& where);

struct WheelFile {
  std::string wheel_version;  // "1.0"
  int major = 0, minor = 0;
  bool root_is_purelib = true;
  std::vector<std::string> tags;  // "py3-none-any", as listed
  std::string generator;
};
// Refuses a Wheel-Version whose major is not 1 and a missing Root-Is-Purelib.
Result<WheelFile> parse_wheel_file(std::string_view text, const std::string& where);

struct Metadata {
  std::string metadata_version;
  std::string name, version;
  std::string summary;
  std::string requires_python;             // "" when absent
  std::vector<std::string> requires_dist;  // PEP 508 strings, unparsed
  std::vector<std::string> provides_extra;
};
Result<Metadata> parse_metadata(std::string_view text, const std::string& where);

struct RecordLine {
  std::string path;
  std::string hash;              // "sha256=<urlsafe b64, no padding>" or ""
  std::optional<uint64_t> size;  // absent for RECORD itself
  int line = 0;                  // 1-based, for messages
};
// CSV with RFC 4180 quoting; three fields per row.
Result<std::vector<RecordLine>> parse_record(std::string_view text, const std::string& where);
// One CSV row (with trailing "\n"), quoting the path when it needs it.
std::string format_record_line(std::string_view path, std::string_view hash, std::optional<uint64_t> size);

struct EntryPoint {
  std::string group;   // "console_scripts"
  std::string name;    // "pip"
  std::string module;  // "pip._internal.cli.main"
  std::string attr;    // "main"; may contain dots ("Foo.run")
};
Result<std::vector<EntryPoint>> parse_entry_points(std::string_view text, const std::string& where);

// RECORD hash text for a hex SHA-256: "sha256=" + urlsafe base64 without padding.
std::string record_hash_from_hex(std::string_view hex);

}  // namespace dl::wheel
