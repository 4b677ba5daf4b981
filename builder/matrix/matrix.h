// The build matrix: matrix.yaml expanded into cells. A cell is one image
// (one manifest); it may carry several tags (its primary tag plus aliases).
// The schema is documented in docs/MATRIX.md.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"

namespace YAML {
class Node;
}

namespace dl::matrix {

// An `apt:` section as written in matrix.yaml (docs/APT.md). Its `when:`
// conditions need a cell, so the recipe loader reads it per cell
// (recipe::load_for_cell), with errors located in `file`.
struct AptSection {
  std::string file;
  std::shared_ptr<const YAML::Node> node;  // null: no section
};

// A base whose ref is "scratch" has no image: its cells start from an empty
// tree plus the Essential packages of its apt sources.
inline constexpr const char* kScratch = "scratch";

// How one Python interpreter is laid out in a base image; wheels are chosen
// for its ABI and installed into its site-packages.
struct PythonLayout {
  std::string version;        // "3.6"
  std::string abi;            // "cp36m", "cp27mu", "cp311"
  std::string interpreter;    // "/usr/bin/python3.6"
  std::string site_packages;  // "usr/local/lib/python3.6/dist-packages"
};

struct BaseImage {
  std::string key;    // name in matrix.yaml bases:
  std::string ref;    // image reference, e.g. "nvidia/cuda:9.1-cudnn7-devel-ubuntu16.04"
  std::string glibc;  // "2.23": bounds the manylinux tags its wheels may use
  std::string os = "linux", arch = "amd64";
  std::vector<PythonLayout> pythons;
  AptSection apt;
  bool scratch() const { return ref == kScratch; }
};

struct Accelerator {
  std::string key;                           // value name in matrix.yaml, e.g. "cu91"
  std::string kind;                          // cpu | cuda | rocm
  std::string cuda;                          // "9.1" when kind == cuda
  std::string cudnn;                         // "7.1" when kind == cuda
  std::string rocm;                          // "2.6.22" when kind == rocm
  std::string base;                          // key into bases:
  std::map<std::string, std::string> attrs;  // every attribute, for templates
  AptSection apt;
};

struct IsaVariant {
  std::string key;                    // "generic", "avx", "avx2-mkldnn"
  std::vector<std::string> features;  // /proc/cpuinfo flag names it requires
  int rank = 0;                       // higher = more specific (preferred)
  std::map<std::string, std::string> attrs;
};

struct Cell {
  std::string id;                    // stable: hash of the cell's identity, not its position
  std::string group;                 // the images: entry that produced it
  std::string repo;                  // "qingcloud/tensorflow"
  std::string framework;             // "tensorflow"
  std::string version;               // "1.12"
  std::string python;                // as written: "2.7/3.6"
  std::vector<std::string> pythons;  // {"2.7", "3.6"}
  Accelerator accelerator;
  IsaVariant isa;
  std::string recipe;  // recipes/<recipe>.yaml
  BaseImage base;
  std::map<std::string, std::string> axes;  // axis name -> value, identity of the cell
  std::vector<std::string> tags;            // tags[0] is primary; the rest are aliases
  // CPU cells of a group with `auto_tag:`: the tag of the OCI index over the
  // group's ISA builds (docs/MATRIX.md); "" otherwise.
  std::string auto_tag;
  std::map<std::string, std::string> vars;  // every template variable, resolved

  std::string ref(size_t i = 0) const { return repo + ":" + tags.at(i); }
  std::vector<std::string> refs() const;
  // The base's layout of Python `py` (one of `pythons`; the loader checks
  // that each has one).
  const PythonLayout& python_layout(const std::string& py) const;
  // The base's architecture as wheel platform tags spell it: "x86_64", "aarch64".
  std::string wheel_arch() const;
};

// A repository's Docker Hub page: files named by an image group's
// `hub: {description: FILE, readme: FILE}`, relative to the matrix file.
struct HubFiles {
  std::string description, readme;
};

struct Matrix {
  std::string source;  // file name used in messages
  std::vector<Cell> cells;
  std::map<std::string, HubFiles> hub;  // repo -> its page's files
};

// Bounds on what a matrix may ask for; the YAML itself is bounded too (see
// yaml_source.h).
struct Limits {
  // Cells the axes may multiply out to (before excludes), checked before any
  // cell is built: a 1 KB file must not expand into 10^10 cells.
  std::uint64_t max_cells = 10000;
};

// Errors read "<file>:<line>:<col>: <what> (expected <what>)".
Result<Matrix> load(const std::string& path, const Limits& limits = {});
Result<Matrix> parse(const std::string& yaml_text, const std::string& source_name, const Limits& limits = {});

// --filter KEY=VALUE. Keys: repo framework version python accelerator isa tag.
// Different keys AND together; repeating a key ORs its values. Values may use
// * and ? globs. python=3.6 matches cells that carry 3.6 (e.g. "2.7/3.6");
// accelerator matches the value name (cu91) or the kind (cuda).
struct Filter {
  std::map<std::string, std::vector<std::string>> terms;
  bool matches(const Cell& c) const;
};
Result<Filter> parse_filters(const std::vector<std::string>& args);

// --shard I/N (1-based). A cell belongs to shard (hash(id) mod N) + 1, so a
// cell keeps its shard when others are added or removed.
struct Shard {
  unsigned index = 1, count = 1;
  bool contains(const Cell& c) const;
};
Result<Shard> parse_shard(const std::string& text);

// The cells the filter and shard select. Silence would hide a typo, so a
// filter value that matches no cell of the matrix for its key is an error
// naming the nearest real value ("--filter python=3.7: no image has python
// '3.7'; did you mean '3.6'?"), and so is a filter that selects nothing. An
// empty shard is not an error: N shards over fewer cells leave some empty.
Result<std::vector<Cell>> select(const Matrix& m, const Filter& f, const Shard& s);

}  // namespace dl::matrix
