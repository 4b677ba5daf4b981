// Choosing among the links of several sources, then fetching the winner.
#include "builder/pypa/select.h"
#include "builder/wheel/source.h"

namespace dl::wheel {

Result<WheelLink> find_wheel(const std::vector<WheelSource*>& sources, const WheelQuery& q,
                             const pypa::SupportedTags& supported) {
  std::vector<WheelLink> links;
  for (WheelSource* s : sources) {
    DL_ASSIGN_OR_RETURN(auto found, s->list(q.project));
    for (auto& l : found) {
      if (!l.variant.empty() && l.variant != q.variant) continue;  // another build of the same version
      if (!l.python.empty() && !q.python.empty() && l.python != q.python) continue;
      links.push_back(std::move(l));
    }
  }
  std::vector<pypa::Candidate> candidates;
  for (auto& l : links) candidates.push_back({l.filename, l.yanked, l.yanked_reason, l.requires_python});
  DL_ASSIGN_OR_RETURN(auto spec, pypa::SpecifierSet::parse(q.specifier));
  pypa::SelectPolicy policy;
  policy.allow_prereleases = q.allow_prereleases;
  std::string what = q.project + (q.specifier.empty() ? "" : " " + q.specifier) +
                     (q.variant.empty() ? "" : " [variant " + q.variant + "]");
  if (links.empty()) {
    std::string searched;
    for (WheelSource* s : sources) searched += (searched.empty() ? "" : ", ") + s->describe();
    return not_found("no wheel for " + what + " in " + (searched.empty() ? "no sources" : searched));
  }
  auto sel = pypa::choose_wheel(q.project, spec, candidates, supported, policy);
  if (!sel.ok()) return sel.error().wrap("finding " + what);
  return links[*sel->winner];
}

Result<CachedFile> fetch_link(const WheelLink& link, WheelCache& cache) {
  auto f = cache.fetch(link.url, link.sha256);
  if (!f.ok()) return f.error().wrap("fetching " + link.filename + " from " + link.source);
  return f;
}

}  // namespace dl::wheel
