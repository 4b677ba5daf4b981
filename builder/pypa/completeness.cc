#include "builder/pypa/completeness.h"

#include <map>
#include <optional>
#include <set>

#include "builder/pypa/name.h"
#include "builder/pypa/requirement.h"
#include "builder/pypa/version.h"

namespace dl::pypa {
namespace {

struct Member {
  const Distribution* dist;
  std::optional<Version> version;  // nullopt when unparseable (reported once)
  std::vector<Requirement> reqs;
  std::vector<std::string> req_text;  // same index as reqs
  std::set<std::string> provides;     // normalised extras
};

std::string who(const Distribution& d) { return d.name + " " + d.version; }

}  // namespace

std::vector<Problem> check_completeness(const std::vector<Distribution>& set,
                                        const std::vector<TargetEnvironment>& targets) {
  std::vector<Problem> problems;
  std::map<std::string, Member> members;  // by normalised name

  for (const auto& d : set) {
    Member m;
    m.dist = &d;
    auto v = Version::parse(d.version);
    if (v.ok()) {
      m.version = *v;
    } else {
      problems.push_back({who(d), "", "", who(d) + " has an invalid version: " + v.error().message()});
    }
    for (const auto& e : d.provides_extras) m.provides.insert(normalize_name(e));
    for (const auto& text : d.requires_dist) {
      auto r = parse_requirement(text);
      if (!r.ok()) {
        problems.push_back({who(d), text, "", who(d) + " has an unreadable Requires-Dist: " + r.error().message()});
        continue;
      }
      m.reqs.push_back(std::move(*r));
      m.req_text.push_back(text);
    }
    std::string key = normalize_name(d.name);
    if (members.count(key)) {
      problems.push_back(
          {who(d), "", "",
           "the set holds " + d.name + " twice (" + members[key].dist->version + " and " + d.version + ")"});
      continue;
    }
    members.emplace(key, std::move(m));
  }

  for (const auto& target : targets) {
    std::string suffix = targets.size() > 1 ? " (for " + target.label + ")" : "";
    // Active extras per member, grown to a fixpoint: an active requirement
    // "a[x]" activates extra x on a, which may activate more requirements.
    std::map<std::string, std::set<std::string>> active;
    for (const auto& [key, m] : members) {
      active[key].insert("");
      for (const auto& e : m.dist->requested_extras) active[key].insert(normalize_name(e));
    }
    std::set<std::string> seen;  // de-duplicates problems found under several extras
    auto report = [&](const Member& m, size_t k, std::string message) {
      if (!seen.insert(message).second) return;
      problems.push_back({who(*m.dist), m.req_text[k], target.label, message + suffix});
    };
    // applies[key][k]: requirement k of member key is active in this target.
    std::map<std::string, std::vector<bool>> applies;
    for (bool changed = true; changed;) {
      changed = false;
      for (const auto& [key, m] : members) {
        auto& flags = applies[key];
        flags.resize(m.reqs.size(), false);
        for (size_t k = 0; k < m.reqs.size(); ++k) {
          if (flags[k]) continue;
          for (const auto& extra : active[key]) {
            auto ok = m.reqs[k].applies(target.env.with_extra(extra));
            if (!ok.ok()) {
              report(m, k,
                     who(*m.dist) + " requires " + m.req_text[k] +
                         ", whose marker cannot be evaluated: " + ok.error().message());
              break;
            }
            if (*ok) {
              flags[k] = true;
              break;
            }
          }
          if (!flags[k]) continue;
          changed = true;
          auto it = members.find(m.reqs[k].normalized_name());
          if (it == members.end()) continue;
          for (const auto& e : m.reqs[k].extras) active[it->first].insert(normalize_name(e));
        }
      }
    }

    for (const auto& [key, m] : members) {
      for (size_t k = 0; k < m.reqs.size(); ++k) {
        if (!applies[key][k]) continue;
        const Requirement& r = m.reqs[k];
        std::string asks = who(*m.dist) + " requires " + r.str();
        auto it = members.find(r.normalized_name());
        if (it == members.end()) {
          report(m, k, asks + ", which is not in the set");
          continue;
        }
        const Member& have = it->second;
        // pip check accepts pre-releases that satisfy the specifier.
        if (r.url.empty() && have.version && !r.specifier.contains(*have.version, true)) {
          report(m, k, asks + ", but " + who(*have.dist) + " is in the set");
        }
        if (!have.provides.empty()) {
          for (const auto& e : r.extras) {
            if (!have.provides.count(normalize_name(e))) {
              report(m, k, asks + ", but " + who(*have.dist) + " has no extra '" + e + "'");
            }
          }
        }
      }
    }
  }
  return problems;
}

}  // namespace dl::pypa
