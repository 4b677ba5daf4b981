// Specifier semantics follow packaging 21.3 (vendored by pip 23), including
// its string-based prefix matching for "==X.*" and "~=".
#include <algorithm>
#include <cctype>

#include "base/strings.h"
#include "builder/pypa/version.h"

namespace dl::pypa {
namespace {

struct OpSpelling {
  std::string_view text;
  Specifier::Op op;
};
// Longest spelling first so "===" is not read as "==" + "=".
constexpr OpSpelling kOps[] = {
    {"===", Specifier::Op::arbitrary}, {"~=", Specifier::Op::compatible}, {"==", Specifier::Op::equal},
    {"!=", Specifier::Op::not_equal},  {"<=", Specifier::Op::less_equal}, {">=", Specifier::Op::greater_equal},
    {"<", Specifier::Op::less},        {">", Specifier::Op::greater},
};

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// packaging.specifiers._version_split: "1.0rc1" -> ["1", "0", "rc1"].
std::vector<std::string> version_split(const std::string& v) {
  std::vector<std::string> out;
  for (auto& item : split(v, '.')) {
    size_t d = 0;
    while (d < item.size() && item[d] >= '0' && item[d] <= '9') ++d;
    std::string_view rest = std::string_view(item).substr(d);
    bool pre_suffix = false;
    if (d > 0 && !rest.empty()) {
      for (std::string_view k : {"rc", "a", "b", "c"}) {
        if (rest.substr(0, k.size()) == k && all_digits(rest.substr(k.size()))) {
          pre_suffix = true;
          break;
        }
      }
    }
    if (pre_suffix) {
      out.push_back(item.substr(0, d));
      out.emplace_back(rest);
    } else {
      out.push_back(item);
    }
  }
  return out;
}

bool is_not_suffix(const std::string& seg) {
  for (std::string_view p : {"dev", "a", "b", "rc", "post"}) {
    if (starts_with(seg, p)) return false;
  }
  return true;
}

// packaging.specifiers._pad_version: pad the shorter release part with "0".
void pad_release(std::vector<std::string>& a, std::vector<std::string>& b) {
  auto release_len = [](const std::vector<std::string>& v) {
    size_t n = 0;
    while (n < v.size() && all_digits(v[n])) ++n;
    return n;
  };
  size_t ra = release_len(a), rb = release_len(b);
  if (ra < rb) a.insert(a.begin() + static_cast<ptrdiff_t>(ra), rb - ra, "0");
  if (rb < ra) b.insert(b.begin() + static_cast<ptrdiff_t>(rb), ra - rb, "0");
}

bool prefix_match(const Version& candidate, const std::string& spec_prefix) {
  std::vector<std::string> spec = version_split(spec_prefix);
  std::vector<std::string> cand = version_split(candidate.public_str());
  if (cand.size() > spec.size()) cand.resize(spec.size());
  pad_release(spec, cand);
  return spec == cand;
}

std::string lower(std::string_view s) { return to_lower(s); }

}  // namespace

Result<Specifier> Specifier::parse(std::string_view raw) {
  std::string text = trim(raw);
  auto fail = [&](std::string what) -> Error {
    return invalid("invalid specifier '" + std::string(raw) + "': " + what);
  };
  Specifier s;
  bool found = false;
  for (const auto& o : kOps) {
    if (starts_with(text, o.text)) {
      s.op_ = o.op;
      s.text_ = trim(std::string_view(text).substr(o.text.size()));
      found = true;
      break;
    }
  }
  if (!found) {
    return fail("expected an operator (~= == != <= >= < > ===) followed by a version");
  }
  if (!s.text_.empty() && std::string_view("<>=!~").find(s.text_[0]) != std::string_view::npos) {
    return fail("expected an operator (~= == != <= >= < > ===) followed by a version");
  }
  if (s.op_ == Op::arbitrary) {
    if (s.text_.find_first_of(" \t\r\n") != std::string::npos) {
      return fail("'===' takes a version without whitespace");
    }
    return s;
  }
  if (s.text_.empty()) return fail("expected a version after '" + std::string(s.op_str()) + "'");
  std::string vtext = s.text_;
  if ((s.op_ == Op::equal || s.op_ == Op::not_equal) && vtext.size() >= 2 &&
      vtext.compare(vtext.size() - 2, 2, ".*") == 0) {
    s.prefix_ = true;
    vtext.resize(vtext.size() - 2);
  } else if (vtext.find('*') != std::string::npos) {
    return fail("a '.*' wildcard is only allowed at the end of == and != versions");
  }
  auto v = Version::parse(vtext);
  if (!v.ok()) return fail(v.error().message());
  s.version_ = *v;
  if (s.prefix_ && (s.version_.is_devrelease() || s.version_.has_local())) {
    return fail("a '.*' wildcard cannot follow a dev release or local version");
  }
  if (s.version_.has_local() && s.op_ != Op::equal && s.op_ != Op::not_equal) {
    return fail("local versions ('+...') are only allowed with == and !=");
  }
  if (s.op_ == Op::compatible && s.version_.release().size() < 2) {
    return fail("'~=' needs at least two release segments, e.g. ~=1.4");
  }
  return s;
}

std::string_view Specifier::op_str() const {
  for (const auto& o : kOps) {
    if (o.op == op_) return o.text;
  }
  return "?";
}

std::string Specifier::str() const { return std::string(op_str()) + text_; }

bool Specifier::mentions_prerelease() const {
  switch (op_) {
    case Op::equal:
    case Op::greater_equal:
    case Op::less_equal:
    case Op::compatible: return version_.is_prerelease();
    case Op::arbitrary: {
      auto v = Version::parse(text_);
      return v.ok() && v->is_prerelease();
    }
    default: return false;
  }
}

bool Specifier::contains(const Version& v, std::optional<bool> prereleases) const {
  bool allow = prereleases.has_value() ? *prereleases : mentions_prerelease();
  if (v.is_prerelease() && !allow) return false;
  return match(v);
}

bool Specifier::match(const Version& v) const {
  switch (op_) {
    case Op::arbitrary: return lower(v.str()) == lower(text_);
    case Op::equal:
    case Op::not_equal: {
      bool eq;
      if (prefix_) {
        eq = prefix_match(v, version_.public_str());
      } else if (version_.has_local()) {
        eq = v == version_;
      } else {
        eq = v.public_version() == version_;
      }
      return op_ == Op::equal ? eq : !eq;
    }
    case Op::compatible: {
      std::vector<std::string> parts;
      for (auto& seg : version_split(version_.public_str())) {
        if (!is_not_suffix(seg)) break;
        parts.push_back(seg);
      }
      parts.pop_back();
      return v.public_version() >= version_ && prefix_match(v, join(parts, "."));
    }
    case Op::less_equal: return v.public_version() <= version_;
    case Op::greater_equal: return v.public_version() >= version_;
    case Op::less:
      // "<3.0" must not admit 3.0rc1 unless the bound itself is a pre-release.
      if (!(v < version_)) return false;
      if (!version_.is_prerelease() && v.is_prerelease() && v.base_version() == version_.base_version()) {
        return false;
      }
      return true;
    case Op::greater:
      // ">1.0" must not admit 1.0.post1 (unless the bound is a post release)
      // nor 1.0+local.
      if (!(v > version_)) return false;
      if (!version_.is_postrelease() && v.is_postrelease() && v.base_version() == version_.base_version()) {
        return false;
      }
      if (v.has_local() && v.base_version() == version_.base_version()) return false;
      return true;
  }
  return false;
}

Result<SpecifierSet> SpecifierSet::parse(std::string_view text) {
  SpecifierSet set;
  for (const auto& clause : split(text, ',')) {
    std::string c = trim(clause);
    if (c.empty()) continue;
    auto s = Specifier::parse(c);
    if (!s.ok()) {
      return invalid("invalid specifier '" + std::string(text) + "': clause '" + c +
                     "': " + s.error().message().substr(s.error().message().find("': ") + 3));
    }
    set.specs_.push_back(std::move(*s));
  }
  return set;
}

std::string SpecifierSet::str() const {
  std::vector<std::string> parts;
  for (const auto& s : specs_) parts.push_back(s.str());
  return join(parts, ",");
}

std::optional<bool> SpecifierSet::prereleases() const {
  if (specs_.empty()) return std::nullopt;
  return std::any_of(specs_.begin(), specs_.end(), [](const Specifier& s) { return s.mentions_prerelease(); });
}

bool SpecifierSet::contains(const Version& v, std::optional<bool> prereleases) const {
  if (!prereleases.has_value()) prereleases = this->prereleases();
  if (v.is_prerelease() && !prereleases.value_or(false)) return false;
  return std::all_of(specs_.begin(), specs_.end(), [&](const Specifier& s) { return s.contains(v, prereleases); });
}

std::vector<size_t> SpecifierSet::filter(const std::vector<Version>& versions, std::optional<bool> prereleases) const {
  if (!prereleases.has_value()) prereleases = this->prereleases();
  std::vector<size_t> out;
  if (!specs_.empty()) {
    // packaging applies each clause with bool(prereleases): with clauses
    // present there is no fall-back to pre-releases.
    bool allow = prereleases.value_or(false);
    for (size_t i = 0; i < versions.size(); ++i) {
      bool ok =
          std::all_of(specs_.begin(), specs_.end(), [&](const Specifier& s) { return s.contains(versions[i], allow); });
      if (ok) out.push_back(i);
    }
    return out;
  }
  std::vector<size_t> pre;
  for (size_t i = 0; i < versions.size(); ++i) {
    if (versions[i].is_prerelease() && !prereleases.value_or(false)) {
      if (out.empty()) pre.push_back(i);
    } else {
      out.push_back(i);
    }
  }
  if (out.empty() && !pre.empty() && !prereleases.has_value()) return pre;
  return out;
}

}  // namespace dl::pypa
