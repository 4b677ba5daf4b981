// PEP 425 / 600 compatibility tags, generated in exactly the order pip's
// vendored packaging.tags yields them (cpython_tags, then compatible_tags):
// the position of a tag in that list is its priority when pip picks a wheel.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/result.h"

namespace dl::pypa {

struct Tag {
  std::string interpreter;  // "cp36", "py3"
  std::string abi;          // "cp36m", "abi3", "none"
  std::string platform;     // "manylinux_2_17_x86_64", "any"
  std::string str() const { return interpreter + "-" + abi + "-" + platform; }
  bool operator==(const Tag&) const = default;
};

// The target interpreter of an image. Nothing is read from the running
// machine: everything that pip would detect is given here.
struct Interpreter {
  int python_major = 3;
  int python_minor = 6;
  std::string abi = "cp36m";  // cp27mu, cp27m, cp36m, cp38, cp311 ...
  int glibc_major = 2;        // 0 = not a glibc system: only linux_<arch>
  int glibc_minor = 17;
  std::string arch = "x86_64";
  // When non-empty, used verbatim instead of the glibc-derived list.
  std::vector<std::string> platforms;

  // From text: python "3.6", abi "cp36m", glibc "2.17" ("" = none), arch.
  // Error names the bad field and what was expected.
  static Result<Interpreter> make(std::string_view python, std::string_view abi, std::string_view glibc,
                                  std::string_view arch = "x86_64");

  std::string python_tag() const;      // "cp36"
  std::string python_version() const;  // "3.6"
};

// packaging._manylinux.platform_tags + linux_<arch>: manylinux_2_<minor>_<arch>
// from the given glibc down to 2_5 on x86_64/i686 (2_17 elsewhere), each legacy
// alias (manylinux2014 = 2.17, manylinux2010 = 2.12, manylinux1 = 2.5) right
// after its manylinux_2_N spelling, then "linux_<arch>" last.
std::vector<std::string> linux_platforms(int glibc_major, int glibc_minor, std::string_view arch);

// packaging.tags.cpython_tags(python_version=(major, minor), abis, platforms).
std::vector<Tag> cpython_tags(int major, int minor, const std::vector<std::string>& abis,
                              const std::vector<std::string>& platforms);
// packaging.tags.compatible_tags(python_version, interpreter, platforms).
std::vector<Tag> compatible_tags(int major, int minor, std::string_view interpreter,
                                 const std::vector<std::string>& platforms);

// cpython_tags + compatible_tags for the interpreter, best first.
std::vector<Tag> supported_tags(const Interpreter& interp);

// The supported list with O(1) priority lookup.
class SupportedTags {
 public:
  explicit SupportedTags(const Interpreter& interp);
  explicit SupportedTags(std::vector<Tag> tags);

  const std::vector<Tag>& tags() const { return tags_; }
  // Lower = better; nullopt when the tag is not supported at all.
  std::optional<size_t> priority(const Tag& tag) const;
  // Best (lowest) priority among a wheel's tags; nullopt if none is supported.
  std::optional<size_t> best_priority(const std::vector<Tag>& tags) const;
  // The most preferred tag, for messages ("cp36-cp36m-manylinux_2_17_x86_64").
  std::string describe() const;

  bool supports_interpreter(std::string_view python_tag) const;
  bool supports_abi(std::string_view abi) const;
  bool supports_platform(std::string_view platform) const;

 private:
  void index();
  std::vector<Tag> tags_;
  std::unordered_map<std::string, size_t> priority_;
  std::unordered_map<std::string, bool> interpreters_, abis_, platforms_;
};

}  // namespace dl::pypa
