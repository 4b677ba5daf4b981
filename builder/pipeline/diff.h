// `dlimage diff A B`: two OCI layouts, or two wheel locks, compared cell by
// cell. Layouts: every tag of either, with the digest in each and, when
// they differ, which recorded input changed (base, lock, recipe: the
// provenance labels) or else that the content did. Locks: every
// environment ("REPO:TAG pythonX.Y") added, removed or changed, with each
// wheel's version change.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"

namespace dl::pipeline {

struct DiffEntry {
  std::string key;     // tag (layouts) or lock environment key
  std::string change;  // "added", "removed", "changed"
  std::vector<std::string> details;
};

struct DiffReport {
  std::string kind;  // "layout" or "lock"
  std::vector<DiffEntry> entries;
  size_t same = 0;  // keys present and equal in both
};

// A and B: "oci:DIR" (or a directory with an oci-layout file) or a lock file.
Result<DiffReport> diff_release(const std::string& a, const std::string& b);

std::string format_diff(const DiffReport& d);
std::string diff_json(const DiffReport& d);  // schema 1, kind dlimage.diff

}  // namespace dl::pipeline
