// The derivation behind a failed resolution, in the style of uv's reports:
// every requirement in the final conflict, traced back to the request, then
// what the index offers for the project nothing fits.
#include <algorithm>
#include <set>

#include "base/strings.h"
#include "builder/resolve/provider.h"

namespace dl::resolve::detail {

namespace {

std::string needs(Provider& p, const Info& i) {
  const Req& q = p.req(i.req);
  std::string what = q.kind == ReqKind::python ? "Python " + q.spec.str() : q.text;
  if (i.parent < 0) return "the request needs " + what;
  return p.cand(i.parent).label() + " needs " + what;
}

// Why the parent of `i` is in the graph: the chain of requirements from the
// request down to it, outermost first.
void chain(Provider& p, int cand, const std::map<std::string, std::vector<Info>>& information,
           std::vector<std::string>& lines, std::set<int>& seen) {
  if (cand < 0 || !seen.insert(cand).second || seen.size() > 50) return;
  auto it = information.find(p.cand(cand).id);
  if (it == information.end()) return;
  for (auto& i : it->second) {
    if (!p.satisfied(i.req, cand)) continue;
    chain(p, i.parent, information, lines, seen);
    std::string line = needs(p, i);
    if (std::find(lines.begin(), lines.end(), line) == lines.end()) lines.push_back(line);
    return;  // one reason is enough to follow
  }
}

}  // namespace

std::string explain(Provider& p, const std::vector<Info>& causes,
                    const std::map<std::string, std::vector<Info>>& information) {
  std::vector<std::string> lines;
  std::set<int> seen;
  std::vector<std::string> ids;  // conflicting identifiers, in order
  for (auto& c : causes) {
    chain(p, c.parent, information, lines, seen);
    std::string line = needs(p, c);
    if (std::find(lines.begin(), lines.end(), line) == lines.end()) lines.push_back(line);
    const std::string& id = p.req(c.req).id;
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  }
  std::vector<std::string> tails;
  for (auto& id : ids) {
    std::vector<std::string> specs;
    for (auto& c : causes)
      if (p.req(c.req).id == id) {
        const Req& q = p.req(c.req);
        std::string s = q.kind == ReqKind::explicit_candidate ? "==" + p.cand(q.cand).version.str() : q.spec.str();
        if (!s.empty() && std::find(specs.begin(), specs.end(), s) == specs.end()) specs.push_back(s);
      }
    if (id == kPythonId) {
      tails.push_back("the target is Python " + p.env().python_full + ", which matches none of " +
                      (specs.empty() ? std::string("them") : join(specs, " / ")));
      continue;
    }
    std::string name = id.substr(0, id.find('['));
    tails.push_back((specs.empty() ? "no version of " + id + " is available"
                                   : "no version of " + id + " matches " + join(specs, " and ")) +
                    " (" + p.availability(name) + ")");
  }
  std::string out = "\n";
  for (size_t i = 0; i < lines.size(); ++i) out += "  " + std::string(i == 0 ? "because " : "and ") + lines[i] + "\n";
  for (auto& t : tails) out += "  and " + t + "\n";
  out += "  so the requirements cannot be satisfied together";
  return out;
}

}  // namespace dl::resolve::detail
