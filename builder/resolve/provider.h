// Internal to resolve/: pip's resolvelib provider and factory (candidates,
// requirements, matches, dependencies, preference), ported from pip 23.0's
// pip/_internal/resolution/resolvelib so that the order in which versions
// and projects are tried — and therefore the answer — is pip's.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "builder/pypa/requirement.h"
#include "builder/pypa/tags.h"
#include "builder/pypa/version.h"
#include "builder/resolve/resolver.h"

namespace dl::resolve::detail {

inline const std::string kPythonId = "<Python from Requires-Python>";

struct Cand {
  std::string id;    // "a", "a[x,y]" or kPythonId
  std::string name;  // normalised project ("" for Python)
  std::vector<std::string> extras;
  pypa::Version version;
  const wheel::WheelLink* link = nullptr;
  int base = -1;  // extras candidate: its base candidate
  bool python = false;
  std::string label() const;  // "keras 2.2.4", "keras[tests] 2.2.4", "Python 3.6.0"
};

enum class ReqKind { specifier, explicit_candidate, python };

struct Req {
  ReqKind kind = ReqKind::specifier;
  std::string id;    // identifier it constrains
  std::string name;  // normalised project
  std::vector<std::string> extras;
  pypa::SpecifierSet spec;
  std::string text;  // "h5py>=2.7" for messages
  int cand = -1;     // explicit_candidate
};

struct Info {
  int req = -1;
  int parent = -1;  // candidate, -1 = the request itself
};

using Preference = std::tuple<bool, bool, bool, bool, bool, double, double, bool, std::string>;

class Provider {
 public:
  Provider(Index& index, const Environment& env, const ResolveOptions& opts);

  Result<int> root_requirement(const std::string& text, bool* applies);
  const Req& req(int i) const { return reqs_[size_t(i)]; }
  const Cand& cand(int i) const { return cands_[size_t(i)]; }

  // requirements: every requirement on `id`; base: every requirement on the
  // extra-less identifier (only used when `id` has extras).
  Result<std::vector<int>> find_matches(const std::string& id, const std::vector<int>& requirements,
                                        const std::vector<int>& base, const std::vector<int>& incompatible);
  bool satisfied(int req, int cand) const;
  Result<std::vector<int>> dependencies(int cand);
  Preference preference(const std::string& id, const std::vector<Info>& info, const std::vector<Info>& causes);

  // What the index offers for a project, for explanations.
  std::string availability(const std::string& name);
  const Environment& env() const { return env_; }

 private:
  Result<int> spec_requirement(const pypa::Requirement& r);
  int explicit_requirement(int cand);
  int python_requirement(const pypa::SpecifierSet& spec);
  int base_candidate(const wheel::WheelLink* link, const pypa::Version& v, const std::string& name);
  int extras_candidate(int base, const std::vector<std::string>& extras);
  Result<std::vector<int>> found_candidates(const std::vector<int>& ireqs, const std::vector<int>& incompatible);
  Result<std::vector<const wheel::WheelLink*>> links_for(const std::string& name);

  Index& index_;
  Environment env_;
  ResolveOptions opts_;
  pypa::SupportedTags tags_;
  std::vector<Cand> cands_;
  std::vector<Req> reqs_;
  std::map<const wheel::WheelLink*, int> base_of_;
  std::map<std::pair<int, std::string>, int> extras_of_;
  std::map<int, std::vector<int>> deps_;
  std::map<std::string, int> requested_;  // identifier -> order among the root requirements
  std::map<std::string, double> depths_;
  std::map<std::string, std::vector<const wheel::WheelLink*>> links_;
  int python_ = -1;
};

// Turns the causes of the final conflict into the derivation text.
std::string explain(Provider& p, const std::vector<Info>& causes,
                    const std::map<std::string, std::vector<Info>>& information);

}  // namespace dl::resolve::detail
