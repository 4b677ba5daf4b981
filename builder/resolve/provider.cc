#include "builder/resolve/provider.h"

#include <algorithm>
#include <limits>

#include "base/strings.h"
#include "builder/pypa/name.h"
#include "builder/pypa/select.h"
#include "builder/pypa/wheel_filename.h"

namespace dl::resolve::detail {

namespace {

// pip's format_name: "a[x,y]" with canonical, sorted extras.
std::string identifier(const std::string& name, const std::vector<std::string>& extras) {
  return extras.empty() ? name : name + "[" + join(extras, ",") + "]";
}

std::vector<std::string> canonical_extras(const std::vector<std::string>& raw) {
  std::set<std::string> s;
  for (auto& e : raw) s.insert(pypa::normalize_name(e));
  return {s.begin(), s.end()};
}

// pip's is_pinned: == (without .*) or === pins a version.
bool is_pinned(const pypa::SpecifierSet& spec) {
  for (auto& s : spec.specifiers()) {
    std::string t = s.str();
    if (t.starts_with("===")) return true;
    if (!t.starts_with("==")) continue;
    if (t.ends_with(".*")) continue;
    return true;
  }
  return false;
}

}  // namespace

std::string Cand::label() const {
  if (python) return "Python " + version.str();
  return id + " " + version.str();
}

Provider::Provider(Index& index, const Environment& env, const ResolveOptions& opts)
    : index_(index), env_(env), opts_(opts), tags_(env.interpreter) {
  Cand py;
  py.id = kPythonId;
  py.python = true;
  py.version = pypa::Version::parse(env.python_full).value();
  cands_.push_back(std::move(py));
  python_ = 0;
}

Result<int> Provider::root_requirement(const std::string& text, bool* applies) {
  DL_ASSIGN_OR_RETURN(auto r, pypa::parse_requirement(text));
  DL_ASSIGN_OR_RETURN(*applies, r.applies(env_.markers));
  if (!*applies) return -1;
  DL_ASSIGN_OR_RETURN(int id, spec_requirement(r));
  requested_.emplace(reqs_[size_t(id)].id, int(requested_.size()));
  return id;
}

Result<int> Provider::spec_requirement(const pypa::Requirement& r) {
  if (!r.url.empty())
    return Error(ErrorKind::unsupported,
                 "requirement " + r.str() +
                     ": direct URL requirements are not supported; add the wheel to a --wheels directory");
  Req q;
  q.kind = ReqKind::specifier;
  q.name = r.normalized_name();
  q.extras = canonical_extras(r.extras);
  q.id = identifier(q.name, q.extras);
  q.spec = r.specifier;
  q.text = q.id + r.specifier.str();
  reqs_.push_back(std::move(q));
  return int(reqs_.size() - 1);
}

int Provider::explicit_requirement(int c) {
  Req q;
  q.kind = ReqKind::explicit_candidate;
  q.name = cands_[size_t(c)].name;
  q.id = q.name;
  q.cand = c;
  q.text = q.name + "==" + cands_[size_t(c)].version.str();
  reqs_.push_back(std::move(q));
  return int(reqs_.size() - 1);
}

int Provider::python_requirement(const pypa::SpecifierSet& spec) {
  Req q;
  q.kind = ReqKind::python;
  q.id = kPythonId;
  q.spec = spec;
  q.text = "Python" + spec.str();
  reqs_.push_back(std::move(q));
  return int(reqs_.size() - 1);
}

int Provider::base_candidate(const wheel::WheelLink* link, const pypa::Version& v, const std::string& name) {
  if (auto it = base_of_.find(link); it != base_of_.end()) return it->second;
  Cand c;
  c.id = c.name = name;
  c.version = v;
  c.link = link;
  cands_.push_back(std::move(c));
  return base_of_[link] = int(cands_.size() - 1);
}

int Provider::extras_candidate(int base, const std::vector<std::string>& extras) {
  auto key = std::pair{base, join(extras, ",")};
  if (auto it = extras_of_.find(key); it != extras_of_.end()) return it->second;
  Cand c = cands_[size_t(base)];
  c.extras = extras;
  c.id = identifier(c.name, extras);
  c.base = base;
  cands_.push_back(std::move(c));
  return extras_of_[key] = int(cands_.size() - 1);
}

bool Provider::satisfied(int r, int c) const {
  const Req& q = reqs_[size_t(r)];
  const Cand& k = cands_[size_t(c)];
  switch (q.kind) {
    case ReqKind::explicit_candidate: return q.cand == c;
    case ReqKind::python: return k.python && q.spec.contains(k.version, true);
    case ReqKind::specifier: return k.id == q.id && q.spec.contains(k.version, true);
  }
  return false;
}

Result<std::vector<const wheel::WheelLink*>> Provider::links_for(const std::string& name) {
  if (auto it = links_.find(name); it != links_.end()) return it->second;
  DL_ASSIGN_OR_RETURN(auto all, index_.files(name));
  std::string variant = env_.variant_for(name);
  std::vector<const wheel::WheelLink*> out;
  for (auto& l : *all)
    if ((l.variant.empty() || l.variant == variant) &&                        // labelled files: that build only
        (l.python.empty() || l.python == env_.interpreter.python_version()))  // catalog rows name their Python
      out.push_back(&l);
  return links_[name] = out;
}

Result<std::vector<int>> Provider::found_candidates(const std::vector<int>& ireqs,
                                                    const std::vector<int>& incompatible) {
  if (ireqs.empty()) return std::vector<int>{};
  const std::string& name = reqs_[size_t(ireqs[0])].name;
  std::vector<std::string> specs;
  std::set<std::string> extras;
  for (int r : ireqs) {
    if (!reqs_[size_t(r)].spec.empty()) specs.push_back(reqs_[size_t(r)].spec.str());
    extras.insert(reqs_[size_t(r)].extras.begin(), reqs_[size_t(r)].extras.end());
  }
  DL_ASSIGN_OR_RETURN(auto spec, pypa::SpecifierSet::parse(join(specs, ",")));
  DL_ASSIGN_OR_RETURN(auto links, links_for(name));
  std::vector<pypa::Candidate> files;
  for (auto* l : links) files.push_back({l->filename, l->yanked, l->yanked_reason, l->requires_python});
  pypa::SelectPolicy policy;
  policy.allow_prereleases = opts_.allow_prereleases;
  policy.python_full_version = env_.python_full;
  auto sel = pypa::select_wheel(name, spec, files, tags_, policy);
  bool all_yanked =
      std::all_of(sel.applicable.begin(), sel.applicable.end(), [&](size_t i) { return links[i]->yanked; });
  bool pinned = is_pinned(spec);
  std::vector<std::string> ex(extras.begin(), extras.end());
  std::vector<pypa::Version> seen;
  std::vector<int> out;
  for (size_t i : sel.applicable) {
    const wheel::WheelLink* l = links[i];
    if (!(all_yanked && pinned) && l->yanked) continue;  // PEP 592
    auto fn = pypa::parse_wheel_filename(l->filename);
    if (!fn.ok()) continue;
    if (std::any_of(seen.begin(), seen.end(), [&](const pypa::Version& v) { return v.compare(fn->version) == 0; }))
      continue;
    seen.push_back(fn->version);  // the best file of each version stands for it
    int c = base_candidate(l, fn->version, name);
    if (!ex.empty()) c = extras_candidate(c, ex);
    if (std::find(incompatible.begin(), incompatible.end(), c) != incompatible.end()) continue;
    out.push_back(c);
  }
  // A locked version goes first, like pip's installed distribution.
  if (auto it = opts_.preferred.find(name); it != opts_.preferred.end()) {
    auto want = pypa::Version::parse(it->second);
    if (want.ok()) {
      auto hit =
          std::find_if(out.begin(), out.end(), [&](int c) { return cands_[size_t(c)].version.compare(*want) == 0; });
      if (hit != out.end()) std::rotate(out.begin(), hit, hit + 1);
    }
  }
  return out;
}

Result<std::vector<int>> Provider::find_matches(const std::string& id, const std::vector<int>& requirements,
                                                const std::vector<int>& base, const std::vector<int>& incompatible) {
  std::vector<int> explicit_cands, ireqs;
  auto add = [&](int c) {
    if (std::find(explicit_cands.begin(), explicit_cands.end(), c) == explicit_cands.end()) explicit_cands.push_back(c);
  };
  for (int r : requirements) {
    const Req& q = reqs_[size_t(r)];
    if (q.kind == ReqKind::explicit_candidate)
      add(q.cand);
    else if (q.kind == ReqKind::python) {
      if (satisfied(r, python_)) add(python_);
    } else
      ireqs.push_back(r);
  }
  // "a[x]": explicit pins of the base "a" carry over (pip's
  // _iter_explicit_candidates_from_base).
  if (id != kPythonId && id.find('[') != std::string::npos) {
    std::vector<std::string> extras = split(id.substr(id.find('[') + 1, id.size() - id.find('[') - 2), ',');
    for (int r : base)
      if (reqs_[size_t(r)].kind == ReqKind::explicit_candidate) add(extras_candidate(reqs_[size_t(r)].cand, extras));
  }
  if (explicit_cands.empty()) return found_candidates(ireqs, incompatible);
  std::vector<int> out;
  for (int c : explicit_cands) {
    if (std::find(incompatible.begin(), incompatible.end(), c) != incompatible.end()) continue;
    if (std::all_of(requirements.begin(), requirements.end(), [&](int r) { return satisfied(r, c); })) out.push_back(c);
  }
  std::sort(out.begin(), out.end(),
            [&](int a, int b) { return cands_[size_t(a)].version.compare(cands_[size_t(b)].version) > 0; });
  return out;
}

Result<std::vector<int>> Provider::dependencies(int c) {
  if (auto it = deps_.find(c); it != deps_.end()) return it->second;
  const Cand k = cands_[size_t(c)];
  std::vector<int> out;
  if (k.python) return deps_[c] = out;
  const int base = k.base >= 0 ? k.base : c;
  DL_ASSIGN_OR_RETURN(const wheel::Metadata* md, index_.metadata(*cands_[size_t(base)].link));
  std::vector<std::string> active;  // requested extras the wheel provides
  if (k.base >= 0) {
    out.push_back(explicit_requirement(k.base));
    std::set<std::string> provided;
    for (auto& e : md->provides_extra) provided.insert(pypa::normalize_name(e));
    for (auto& e : k.extras)
      if (provided.count(e)) active.push_back(e);
  }
  if (active.empty()) active.push_back("");
  std::string who = k.label() + " (" + cands_[size_t(base)].link->filename + ")";
  for (auto& text : md->requires_dist) {
    DL_ASSIGN_OR_RETURN(auto r, pypa::parse_requirement(text));
    bool applies = !r.marker;
    for (auto& e : active) {
      if (applies) break;
      auto v = r.marker->evaluate(env_.markers.with_extra(e));
      if (!v.ok()) return v.error().wrap(who + ": Requires-Dist " + text);
      applies = *v;
    }
    if (!applies) continue;
    auto q = spec_requirement(r);
    if (!q.ok()) return q.error().wrap(who);
    out.push_back(*q);
  }
  if (k.base < 0 && !md->requires_python.empty()) {
    DL_ASSIGN_OR_RETURN(auto rp, pypa::SpecifierSet::parse(md->requires_python));
    if (!rp.empty()) out.push_back(python_requirement(rp));
  }
  return deps_[c] = out;
}

Preference Provider::preference(const std::string& id, const std::vector<Info>& info, const std::vector<Info>& causes) {
  bool pinned = false, unfree = false;
  for (auto& i : info) {
    const Req& q = reqs_[size_t(i.req)];
    if (q.kind != ReqKind::specifier) continue;
    for (auto& s : q.spec.specifiers()) {
      unfree = true;
      if (s.str().starts_with("==")) pinned = true;
    }
  }
  double requested = std::numeric_limits<double>::infinity(), depth;
  if (auto it = requested_.find(id); it != requested_.end()) {
    requested = it->second;
    depth = 1.0;
  } else {
    double best = std::numeric_limits<double>::infinity();
    for (auto& i : info) {
      double d = 0.0;
      if (i.parent >= 0) {
        auto dit = depths_.find(cands_[size_t(i.parent)].id);
        d = dit == depths_.end() ? std::numeric_limits<double>::infinity() : dit->second;
      }
      best = std::min(best, d);
    }
    depth = best + 1.0;
  }
  depths_[id] = depth;
  bool cause = false;
  for (auto& c : causes)
    if (reqs_[size_t(c.req)].id == id || (c.parent >= 0 && cands_[size_t(c.parent)].id == id)) cause = true;
  // pip 23.0 computes `direct` from a tuple that is never None: always true.
  return {id != kPythonId, id == "setuptools", false, !pinned, !cause, depth, requested, !unfree, id};
}

std::string Provider::availability(const std::string& name) {
  auto links = links_for(name);
  if (!links.ok()) return links.error().message();
  if (links->empty()) return "no wheel of " + name + " in " + index_.describe();
  std::vector<pypa::Candidate> files;
  for (auto* l : *links) files.push_back({l->filename, l->yanked, l->yanked_reason, l->requires_python});
  pypa::SelectPolicy policy;
  policy.allow_prereleases = true;
  policy.python_full_version = env_.python_full;
  auto sel = pypa::select_wheel(name, {}, files, tags_, policy);
  std::vector<std::string> versions, rejected;
  for (size_t i : sel.applicable) {
    auto fn = pypa::parse_wheel_filename((*links)[i]->filename);
    if (!fn.ok()) continue;
    std::string v = fn->version.str() + ((*links)[i]->yanked ? " (yanked)" : "");
    if (std::find(versions.begin(), versions.end(), v) == versions.end()) versions.push_back(v);
  }
  for (auto& r : sel.rejections) rejected.push_back(r.filename + ": " + r.reason);
  std::string s = "available for this environment: " + (versions.empty() ? std::string("none") : join(versions, ", "));
  if (!rejected.empty()) {
    if (rejected.size() > 6) {
      size_t more = rejected.size() - 6;
      rejected.resize(6);
      rejected.push_back("... and " + std::to_string(more) + " more");
    }
    s += "; not for it: " + join(rejected, "; ");
  }
  return s;
}

}  // namespace dl::resolve::detail
