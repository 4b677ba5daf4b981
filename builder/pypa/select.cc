#include "builder/pypa/select.h"

#include <algorithm>

#include "base/strings.h"
#include "builder/pypa/name.h"

namespace dl::pypa {
namespace {

// Why none of a wheel's tags is supported, naming the first field at fault.
std::string tag_reason(const WheelFilename& w, const SupportedTags& supported) {
  auto none_of = [](const std::vector<std::string>& v, auto pred) { return std::none_of(v.begin(), v.end(), pred); };
  if (none_of(w.python_tags, [&](const std::string& t) { return supported.supports_interpreter(t); })) {
    return "python tag " + join(w.python_tags, ".") + " not supported";
  }
  if (none_of(w.abi_tags, [&](const std::string& t) { return supported.supports_abi(t); })) {
    return "abi tag " + join(w.abi_tags, ".") + " not supported";
  }
  if (none_of(w.platform_tags, [&](const std::string& t) { return supported.supports_platform(t); })) {
    return "platform tag " + join(w.platform_tags, ".") + " not supported";
  }
  std::vector<std::string> tags;
  for (const auto& t : w.tags) tags.push_back(t.str());
  return "no supported combination of its tags " + join(tags, ", ");
}

struct Viable {
  size_t index;
  WheelFilename wheel;
  size_t priority;
  bool yanked;
};

std::string short_name(const std::string& filename) {
  size_t slash = filename.find_last_of('/');
  return slash == std::string::npos ? filename : filename.substr(slash + 1);
}

}  // namespace

Selection select_wheel(const std::string& project, const SpecifierSet& specifier,
                       const std::vector<Candidate>& candidates, const SupportedTags& supported,
                       const SelectPolicy& policy) {
  Selection sel;
  const std::string want = normalize_name(project);
  std::string python_full = policy.python_full_version;
  if (python_full.empty() && !supported.tags().empty()) {
    // "cp36" -> "3.6"
    const std::string& t = supported.tags().front().interpreter;
    if (t.size() >= 4) python_full = t.substr(2, 1) + "." + t.substr(3);
  }
  auto python_version = Version::parse(python_full);

  std::vector<Viable> viable;
  for (size_t i = 0; i < candidates.size(); ++i) {
    const Candidate& c = candidates[i];
    auto reject = [&](std::string why) { sel.rejections.push_back({short_name(c.filename), std::move(why)}); };
    if (c.yanked && !policy.allow_yanked) {
      reject("yanked: " + (c.yanked_reason.empty() ? std::string("<none given>") : c.yanked_reason));
      continue;
    }
    auto w = parse_wheel_filename(c.filename);
    if (!w.ok()) {
      reject(w.error().message());
      continue;
    }
    if (w->normalized_name != want) {
      reject("wrong project name (not " + project + ")");
      continue;
    }
    auto pri = supported.best_priority(w->tags);
    if (!pri) {
      reject(tag_reason(*w, supported));
      continue;
    }
    if (!c.requires_python.empty() && python_version.ok()) {
      // pip ignores an unparseable Requires-Python; so do we.
      auto rp = SpecifierSet::parse(c.requires_python);
      if (rp.ok() && !rp->contains(*python_version)) {
        reject("requires Python " + c.requires_python + ", target is " + python_full);
        continue;
      }
    }
    viable.push_back({i, std::move(*w), *pri, c.yanked});
  }

  // pip: allow_prereleases = --pre or None (None = infer from the specifier).
  std::optional<bool> pre = policy.allow_prereleases ? std::optional<bool>(true) : std::nullopt;
  std::vector<Version> versions;
  for (const auto& v : viable) versions.push_back(v.wheel.version);
  std::vector<size_t> keep = specifier.filter(versions, pre);
  std::vector<bool> kept(viable.size(), false);
  for (size_t k : keep) kept[k] = true;

  std::vector<const Viable*> applicable;
  const std::string spec_text = specifier.empty() ? std::string("any version") : specifier.str();
  for (size_t k = 0; k < viable.size(); ++k) {
    const Viable& v = viable[k];
    if (kept[k]) {
      applicable.push_back(&v);
      continue;
    }
    std::string why;
    if (v.wheel.version.is_prerelease() && specifier.contains(v.wheel.version, true)) {
      why = "version " + v.wheel.version.str() + " is a pre-release (allow pre-releases or name one in the specifier)";
    } else {
      why = "version " + v.wheel.version.str() + " not in " + spec_text;
    }
    sel.rejections.push_back({short_name(candidates[v.index].filename), why});
  }

  // pip's sort key: (not yanked, version, tag preference, build tag); the
  // first maximal candidate wins ties (Python's max()).
  auto better = [](const Viable* a, const Viable* b) {
    if (a->yanked != b->yanked) return !a->yanked;
    if (int c = a->wheel.version.compare(b->wheel.version)) return c > 0;
    if (a->priority != b->priority) return a->priority < b->priority;
    bool ab = a->wheel.build.has_value(), bb = b->wheel.build.has_value();
    if (ab != bb) return ab;  // () sorts before any (int, str) tuple
    if (ab && *a->wheel.build != *b->wheel.build) return *a->wheel.build > *b->wheel.build;
    return false;
  };
  std::stable_sort(applicable.begin(), applicable.end(), better);
  for (const Viable* v : applicable) sel.applicable.push_back(v->index);
  if (!applicable.empty()) {
    sel.winner = applicable.front()->index;
    sel.wheel = applicable.front()->wheel;
    sel.tag_priority = applicable.front()->priority;
  }

  std::string subject = project + specifier.str();
  std::vector<std::string> lines;
  const size_t kMax = 20;
  for (size_t k = 0; k < sel.rejections.size() && k < kMax; ++k) {
    lines.push_back(sel.rejections[k].filename + " (" + sel.rejections[k].reason + ")");
  }
  if (sel.rejections.size() > kMax)
    lines.push_back("... and " + std::to_string(sel.rejections.size() - kMax) + " more");
  if (sel.winner) {
    sel.explanation =
        subject + ": chose " + short_name(candidates[*sel.winner].filename) + " for " + supported.describe();
    if (!lines.empty()) sel.explanation += "; not chosen: " + join(lines, "; ");
  } else if (candidates.empty()) {
    sel.explanation = "no wheel for " + subject + " matches " + supported.describe() + ": no candidate files";
  } else {
    sel.explanation = "no wheel for " + subject + " matches " + supported.describe() + ": " + join(lines, "; ");
  }
  return sel;
}

Result<Selection> choose_wheel(const std::string& project, const SpecifierSet& specifier,
                               const std::vector<Candidate>& candidates, const SupportedTags& supported,
                               const SelectPolicy& policy) {
  Selection s = select_wheel(project, specifier, candidates, supported, policy);
  if (!s.winner) return not_found(s.explanation);
  return s;
}

}  // namespace dl::pypa
