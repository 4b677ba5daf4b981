// Where OS packages come from: apt sources in both of apt's syntaxes
// (deb822 `*.sources` and one-line `sources.list`), and the machine's own
// apt configuration as the default. Parsing only: no network here.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace dl::apt {

// One deb822 stanza or one `deb` line, expanded to what fetching needs.
struct Source {
  std::vector<std::string> uris;           // "http://host/debian" (no trailing '/')
  std::vector<std::string> suites;         // "bookworm"; a suite ending in '/' is a flat repo
  std::vector<std::string> components;     // empty for a flat repo
  std::vector<std::string> architectures;  // empty: the requested arch (+ all)
  // Signed-By: a keyring file path, or an inline ASCII-armored key block.
  std::string signed_by_file;
  std::string signed_by_key;
  std::string origin;  // "file:line" where this source was declared, for errors
  // A matrix/recipe `file:` entry: the sources are in this deb822 or
  // one-line file, read when they are used (expand_source_files), so an
  // operator provides a repository without editing the matrix.
  std::string file;
};

// deb822 `*.sources`: stanzas with Types, URIs, Suites, Components,
// Architectures, Signed-By, Enabled. Only `Types: deb` stanzas are returned;
// `deb-src` is skipped. Unknown fields are an error (with the nearest known
// field suggested), as are missing URIs/Suites and non-http(s) URIs.
Result<std::vector<Source>> parse_deb822_sources(std::string_view text, const std::string& file);

// One-line `deb [arch=amd64 signed-by=/k.gpg] http://h/debian bookworm main`.
Result<std::vector<Source>> parse_sources_list(std::string_view text, const std::string& file);

// Picks the parser by file name (`*.sources` deb822, anything else one-line).
Result<std::vector<Source>> load_sources_file(const std::string& path);

// The machine's apt configuration under `etc_apt` (default /etc/apt):
// sources.list, then sources.list.d/*.list and *.sources in name order.
// Files whose name contains ".disabled" or that have another extension are
// ignored, as apt ignores them.
// Replaces each `file:` entry by the sources its file declares; a missing
// or empty file is an error naming the entry's origin and the file.
Result<std::vector<Source>> expand_source_files(const std::vector<Source>& sources);

Result<std::vector<Source>> load_system_sources(const std::string& etc_apt = "/etc/apt");

}  // namespace dl::apt
