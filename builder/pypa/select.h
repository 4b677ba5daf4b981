// Picking one wheel for one requirement among candidate files, the way pip's
// PackageFinder does: drop files for another project, with unsupported tags,
// or whose Requires-Python excludes the interpreter; filter versions through
// the specifier (pre-releases only if allowed, mentioned, or nothing else
// matches an empty specifier); then rank by (not yanked, version, tag
// priority, build tag) and take the highest.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "builder/pypa/tags.h"
#include "builder/pypa/version.h"
#include "builder/pypa/wheel_filename.h"

namespace dl::pypa {

struct Candidate {
  std::string filename;  // basename, path or URL of a .whl
  bool yanked = false;   // PEP 592 (index data-yanked)
  std::string yanked_reason;
  std::string requires_python;  // PEP 503 data-requires-python, "" = any
};

struct SelectPolicy {
  bool allow_prereleases = false;  // pip --pre
  bool allow_yanked = true;        // pip: yanked only when nothing else fits
  // Interpreter version checked against Requires-Python ("3.6.9");
  // "" = "<major>.<minor>" of the interpreter.
  std::string python_full_version;
};

struct Rejection {
  std::string filename;
  std::string reason;  // "python tag cp27 not supported", "version 1.7.0 not in ==1.6.*"
};

struct Selection {
  std::optional<size_t> winner;        // index into the candidates
  std::optional<WheelFilename> wheel;  // parsed winner
  std::optional<size_t> tag_priority;  // winner's best tag priority
  std::vector<size_t> applicable;      // all acceptable, best first
  std::vector<Rejection> rejections;   // every candidate not acceptable
  // "no wheel for tensorflow==1.6.* matches cp36-cp36m-manylinux_2_17_x86_64:
  //  tensorflow-1.6.0-cp27-cp27mu-linux_x86_64.whl (python tag cp27 not
  //  supported); ..." — also usable when a winner exists (lists the others).
  std::string explanation;
};

// `project` is a name (any spelling; compared after PEP 503 normalisation).
Selection select_wheel(const std::string& project, const SpecifierSet& specifier,
                       const std::vector<Candidate>& candidates, const SupportedTags& supported,
                       const SelectPolicy& policy = {});

// As select_wheel, but no winner is an error (not_found) carrying the explanation.
Result<Selection> choose_wheel(const std::string& project, const SpecifierSet& specifier,
                               const std::vector<Candidate>& candidates, const SupportedTags& supported,
                               const SelectPolicy& policy = {});

}  // namespace dl::pypa
