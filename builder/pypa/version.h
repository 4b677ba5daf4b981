// PEP 440 versions and version specifiers, with the semantics of the
// `packaging` library that pip 23 vendors (packaging 21.3), so that what this
// module selects is what `pip install` would have selected.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace dl::pypa {

class Version {
 public:
  // Pre-release kind after normalisation: alpha/a -> a, beta/b -> b,
  // c/rc/pre/preview -> rc.
  enum class PreKind { a, b, rc };
  struct Pre {
    PreKind kind;
    uint64_t number;
    bool operator==(const Pre&) const = default;
  };
  // One dot-separated piece of the local label ("+cu92.1" -> "cu92", 1).
  // Numeric pieces are kept as digit strings without leading zeros so that
  // arbitrarily long numbers still compare numerically.
  struct LocalPart {
    bool numeric;
    std::string text;  // lower-cased
    bool operator==(const LocalPart&) const = default;
  };

  Version() = default;  // "0"

  // Accepts everything PEP 440 accepts, including the permissive spellings
  // ("v1.0", "1.0-beta.1", "1.0alpha", "1.0-1", "1.0.post", "1.0.dev",
  // surrounding whitespace). Error: "invalid version 'x': <what> (expected ...)".
  static Result<Version> parse(std::string_view text);
  static bool valid(std::string_view text) { return parse(text).ok(); }

  uint64_t epoch() const { return epoch_; }
  const std::vector<uint64_t>& release() const { return release_; }
  const std::optional<Pre>& pre() const { return pre_; }
  const std::optional<uint64_t>& post() const { return post_; }
  const std::optional<uint64_t>& dev() const { return dev_; }
  const std::vector<LocalPart>& local() const { return local_; }

  bool is_prerelease() const { return pre_.has_value() || dev_.has_value(); }
  bool is_postrelease() const { return post_.has_value(); }
  bool is_devrelease() const { return dev_.has_value(); }
  bool has_local() const { return !local_.empty(); }

  // Normalised form: "1!2.0rc1.post2.dev3+cu92.1" (epoch 0 omitted).
  std::string str() const;
  // Without the local label: "2.0rc1.post2.dev3".
  std::string public_str() const;
  // Epoch and release only: "1!2.0".
  std::string base_str() const;
  Version public_version() const;  // local label dropped
  Version base_version() const;    // epoch + release only

  // Total order of PEP 440: trailing zeros in the release are insignificant
  // (1.0 == 1.0.0); X.dev < X.aN < X.bN < X.rcN < X < X.postN; a version with
  // a local label sorts after the same version without one, and local labels
  // compare piecewise (numeric > alphanumeric, longer wins on equal prefix).
  int compare(const Version& other) const;
  bool operator==(const Version& o) const { return compare(o) == 0; }
  std::strong_ordering operator<=>(const Version& o) const { return compare(o) <=> 0; }

 private:
  uint64_t epoch_ = 0;
  std::vector<uint64_t> release_{0};
  std::optional<Pre> pre_;
  std::optional<uint64_t> post_;
  std::optional<uint64_t> dev_;
  std::vector<LocalPart> local_;
};

// One clause: "==1.6.*", "~=2.2", ">=1.0", "===foo".
class Specifier {
 public:
  enum class Op { compatible, equal, not_equal, less_equal, greater_equal, less, greater, arbitrary };

  static Result<Specifier> parse(std::string_view text);

  Op op() const { return op_; }
  std::string_view op_str() const;
  const std::string& version_text() const { return text_; }  // as written, trimmed
  bool is_prefix() const { return prefix_; }                 // ==X.* / !=X.*
  std::string str() const;                                   // op + version text

  // Whether the clause opts into pre-releases by naming one: true for
  // ==, ===, >=, <=, ~= with a pre-release operand (">=1.0b1"); never for
  // !=, < and > (packaging's rule).
  bool mentions_prerelease() const;

  // prereleases: nullopt = decide by mentions_prerelease().
  bool contains(const Version& v, std::optional<bool> prereleases = std::nullopt) const;

 private:
  bool match(const Version& v) const;  // operator semantics only
  Op op_ = Op::greater_equal;
  std::string text_;
  Version version_;  // parsed operand (unused for ===)
  bool prefix_ = false;
};

// Comma-separated clauses, all of which must hold. Empty = any version.
class SpecifierSet {
 public:
  SpecifierSet() = default;
  // Error: "invalid specifier '>=1.0,<>2': clause '<>2' (expected an operator
  // ~= == != <= >= < > === followed by a version)".
  static Result<SpecifierSet> parse(std::string_view text);

  bool empty() const { return specs_.empty(); }
  const std::vector<Specifier>& specifiers() const { return specs_; }
  std::string str() const;  // clauses joined by ","; "" when empty

  // nullopt for an empty set; otherwise whether any clause mentions a pre-release.
  std::optional<bool> prereleases() const;

  // packaging's SpecifierSet.contains: a pre-release matches only if
  // `prereleases` is true, or it is nullopt and a clause mentions one.
  bool contains(const Version& v, std::optional<bool> prereleases = std::nullopt) const;

  // packaging's SpecifierSet.filter, including its fallback: with an empty set
  // and prereleases == nullopt, pre-releases are returned when nothing else
  // matches. Returns indices into `versions`, in input order.
  std::vector<size_t> filter(const std::vector<Version>& versions,
                             std::optional<bool> prereleases = std::nullopt) const;

 private:
  std::vector<Specifier> specs_;
};

}  // namespace dl::pypa
