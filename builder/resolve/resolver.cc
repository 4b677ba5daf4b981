// resolvelib 0.8.1's Resolution (the version pip 23.0 vendors), ported
// line for line: rounds pick the most preferred unsatisfied identifier, pin
// its first candidate whose dependencies do not conflict, and backtrack by
// discarding the last pin, remembering it (and what it learnt) as
// incompatible.
#include <algorithm>
#include <memory>
#include <optional>
#include <unordered_map>

#include "base/strings.h"
#include "builder/pypa/name.h"
#include "builder/resolve/provider.h"

namespace dl::resolve {

using namespace detail;

namespace {

struct Criterion {
  std::vector<int> candidates;
  std::vector<Info> information;
  std::vector<int> incompatibilities;
  std::vector<int> requirements() const {
    std::vector<int> r;
    for (auto& i : information) r.push_back(i.req);
    return r;
  }
};

// A dict in insertion order, as Python's: the order feeds pip's depth
// bookkeeping, so it must match.
class Criteria {
 public:
  const Criterion* get(const std::string& k) const {
    auto it = map_.find(k);
    return it == map_.end() ? nullptr : it->second.get();
  }
  void set(const std::string& k, Criterion c) {
    auto [it, fresh] = map_.try_emplace(k);
    if (fresh) keys_.push_back(k);
    it->second = std::make_shared<const Criterion>(std::move(c));
  }
  const std::vector<std::string>& keys() const { return keys_; }

 private:
  std::vector<std::string> keys_;
  std::unordered_map<std::string, std::shared_ptr<const Criterion>> map_;
};

struct State {
  std::vector<std::pair<std::string, int>> mapping;  // ordered: the last pin is last
  Criteria criteria;
  std::vector<Info> backtrack_causes;
  const int* pin(const std::string& k) const {
    for (auto& [n, c] : mapping)
      if (n == k) return &c;
    return nullptr;
  }
};

std::string base_of(const std::string& id) { return id.substr(0, id.find('[')); }

class Solver {
 public:
  Solver(Provider& p, size_t max_rounds) : p_(p), max_rounds_(max_rounds) {}

  Result<State> run(const std::vector<int>& roots, size_t* rounds, size_t* backtracks) {
    states_.push_back(State{});
    for (int r : roots) {
      Criterion conflict;
      DL_ASSIGN_OR_RETURN(bool ok, add_to_criteria(state().criteria, r, -1, &conflict));
      if (!ok) return impossible(conflict.information);
    }
    push_state();
    for (size_t round = 0; round < max_rounds_; ++round) {
      *rounds = round + 1;
      std::vector<std::string> unsatisfied;
      for (auto& k : state().criteria.keys())
        if (!pin_satisfies(k)) unsatisfied.push_back(k);
      if (unsatisfied.empty()) return state();
      std::string best;
      std::optional<Preference> best_pref;
      for (auto& k : unsatisfied) {
        Preference pref = p_.preference(k, state().criteria.get(k)->information, state().backtrack_causes);
        if (!best_pref || pref < *best_pref) {
          best_pref = pref;
          best = k;
        }
      }
      DL_ASSIGN_OR_RETURN(auto failures, attempt_to_pin(best));
      if (failures.empty()) {
        push_state();
        continue;
      }
      std::vector<Info> causes;
      for (auto& c : failures) causes.insert(causes.end(), c.information.begin(), c.information.end());
      ++*backtracks;
      DL_ASSIGN_OR_RETURN(bool ok, backtrack());
      state().backtrack_causes = causes;
      if (!ok) return impossible(causes);
    }
    return invalid("resolution took more than " + std::to_string(max_rounds_) + " rounds; giving up");
  }

 private:
  State& state() { return states_.back(); }
  void push_state() { states_.push_back(states_.back()); }

  Error impossible(const std::vector<Info>& causes) {
    std::map<std::string, std::vector<Info>> information;
    for (auto& k : state().criteria.keys()) information[k] = state().criteria.get(k)->information;
    return invalid(explain(p_, causes, information));
  }

  bool pin_satisfies(const std::string& k) {
    const int* pin = state().pin(k);
    if (!pin) return false;
    for (int r : state().criteria.get(k)->requirements())
      if (!p_.satisfied(r, *pin)) return false;
    return true;
  }

  Result<std::vector<int>> matches(const Criteria& criteria, const std::string& id, std::vector<int> requirements,
                                   const std::vector<int>& incompatible) {
    std::vector<int> base;
    if (const Criterion* b = criteria.get(base_of(id)); b && base_of(id) != id) base = b->requirements();
    return p_.find_matches(id, requirements, base, incompatible);
  }

  // Returns false (and the conflicting criterion) when nothing matches.
  Result<bool> add_to_criteria(Criteria& criteria, int req, int parent, Criterion* conflict) {
    const std::string& id = p_.req(req).id;
    const Criterion* existing = criteria.get(id);
    Criterion c;
    if (existing) {
      c.incompatibilities = existing->incompatibilities;
      c.information = existing->information;
    }
    c.information.push_back({req, parent});
    DL_ASSIGN_OR_RETURN(c.candidates, matches(criteria, id, c.requirements(), c.incompatibilities));
    if (c.candidates.empty()) {
      *conflict = std::move(c);
      return false;
    }
    criteria.set(id, std::move(c));
    return true;
  }

  Result<std::vector<Criterion>> attempt_to_pin(const std::string& name) {
    auto candidates = state().criteria.get(name)->candidates;
    std::vector<Criterion> causes;
    for (int cand : candidates) {
      Criteria updated = state().criteria;
      DL_ASSIGN_OR_RETURN(auto deps, p_.dependencies(cand));
      bool conflicted = false;
      for (int dep : deps) {
        Criterion conflict;
        DL_ASSIGN_OR_RETURN(bool ok, add_to_criteria(updated, dep, cand, &conflict));
        if (!ok) {
          causes.push_back(std::move(conflict));
          conflicted = true;
          break;
        }
      }
      if (conflicted) continue;
      state().criteria = std::move(updated);
      auto& m = state().mapping;
      m.erase(std::remove_if(m.begin(), m.end(), [&](auto& e) { return e.first == name; }), m.end());
      m.emplace_back(name, cand);
      return std::vector<Criterion>{};
    }
    return causes;
  }

  Result<bool> backtrack() {
    while (states_.size() >= 3) {
      states_.pop_back();
      State broken = std::move(states_.back());
      states_.pop_back();
      auto [name, candidate] = broken.mapping.back();
      broken.mapping.pop_back();
      std::vector<std::pair<std::string, std::vector<int>>> learnt;
      for (auto& k : broken.criteria.keys()) learnt.emplace_back(k, broken.criteria.get(k)->incompatibilities);
      learnt.emplace_back(name, std::vector<int>{candidate});
      push_state();
      DL_ASSIGN_OR_RETURN(bool ok, patch(learnt));
      if (ok) return true;
    }
    return false;
  }

  Result<bool> patch(std::vector<std::pair<std::string, std::vector<int>>>& learnt) {
    for (auto& [k, incompatible] : learnt) {
      if (incompatible.empty()) continue;
      const Criterion* c = state().criteria.get(k);
      if (!c) continue;
      // What the state already knew to be incompatible, plus what was learnt.
      std::vector<int> excluded = c->incompatibilities;
      excluded.insert(excluded.end(), incompatible.begin(), incompatible.end());
      DL_ASSIGN_OR_RETURN(auto cands, matches(state().criteria, k, c->requirements(), excluded));
      if (cands.empty()) return false;
      incompatible.insert(incompatible.end(), c->incompatibilities.begin(), c->incompatibilities.end());
      state().criteria.set(k, Criterion{std::move(cands), c->information, incompatible});
    }
    return true;
  }

  Provider& p_;
  size_t max_rounds_;
  std::vector<State> states_;
};

// resolvelib's _build_result: only pins with a route to the request count.
bool route_to_root(const Criteria& criteria, const std::string& key, const std::map<int, std::string>& keys,
                   std::set<std::string>& connected, int depth = 0) {
  if (connected.count(key)) return true;
  const Criterion* c = criteria.get(key);
  if (!c || depth > 1000) return false;
  for (auto& i : c->information) {
    if (i.parent < 0) {
      connected.insert(key);
      return true;
    }
    auto it = keys.find(i.parent);
    if (it == keys.end()) continue;
    if (connected.count(it->second) || route_to_root(criteria, it->second, keys, connected, depth + 1)) {
      connected.insert(key);
      return true;
    }
  }
  return false;
}

}  // namespace

Result<Resolution> resolve(Index& index, const Environment& env, const std::vector<std::string>& requirements,
                           const ResolveOptions& options) {
  Provider p(index, env, options);
  std::vector<int> roots;
  for (auto& text : requirements) {
    bool applies = false;
    DL_ASSIGN_OR_RETURN(int r, p.root_requirement(text, &applies));
    if (applies) roots.push_back(r);
  }
  Resolution out;
  Solver run(p, options.max_rounds);
  auto state = run.run(roots, &out.rounds, &out.backtracks);
  if (!state.ok()) return state.error().wrap("no solution for " + env.describe());
  std::map<int, std::string> keys;
  for (auto& [k, c] : state->mapping) keys[c] = k;
  std::set<std::string> connected;
  std::map<std::string, Pin> pins;
  std::map<std::string, std::set<std::string>> extras;
  for (auto& [k, c] : state->mapping) {
    if (!route_to_root(state->criteria, k, keys, connected)) continue;
    const Cand& cand = p.cand(c);
    if (cand.python) continue;
    if (cand.base >= 0) {
      extras[cand.name].insert(cand.extras.begin(), cand.extras.end());
      continue;
    }
    pins[cand.name] = Pin{cand.name, cand.version.str(), *cand.link, {}, {}};
  }
  // Edges of the final graph: which pinned project required which.
  for (auto& k : state->criteria.keys()) {
    if (!connected.count(k) || k == kPythonId) continue;
    std::string child = k.substr(0, k.find('['));
    for (auto& i : state->criteria.get(k)->information) {
      if (i.parent < 0 || p.cand(i.parent).python) continue;
      const std::string& parent = p.cand(i.parent).name;
      auto it = pins.find(parent);
      if (it == pins.end() || parent == child) continue;
      auto& r = it->second.requires_;
      if (std::find(r.begin(), r.end(), child) == r.end()) r.push_back(child);
    }
  }
  for (auto& [name, pin] : pins) {
    std::sort(pin.requires_.begin(), pin.requires_.end());
    auto& e = extras[name];
    pin.extras.assign(e.begin(), e.end());
    out.pins.push_back(pin);
  }
  return out;
}

std::string format_pins(const Resolution& r) {
  std::string out;
  for (auto& p : r.pins) out += p.name + "==" + p.version + " " + p.file.filename + "\n";
  return out;
}

}  // namespace dl::resolve
