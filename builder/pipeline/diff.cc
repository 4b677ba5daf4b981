#include "builder/pipeline/diff.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "base/plural.h"
#include "base/strings.h"
#include "builder/attest/attach.h"
#include "builder/image/descriptor.h"
#include "builder/layout/layout.h"
#include "builder/layout/layout_store.h"
#include "builder/layout/store_image.h"
#include "builder/pipeline/changes.h"
#include "builder/wheel/lock.h"

namespace dl::pipeline {

namespace {

namespace fs = std::filesystem;

bool is_layout(const std::string& s) { return starts_with(s, "oci:") || fs::exists(fs::path(s) / "oci-layout"); }

std::string label(const image::ImageConfig& c, std::string_view key) {
  auto it = c.config.labels.find(std::string(key));
  return it == c.config.labels.end() ? "" : it->second;
}

// The recorded inputs through changes.h, the list plan and --report
// print; then what only a side-by-side look can tell.
std::vector<std::string> why_images_differ(const layout::StoredImage& a, const layout::StoredImage& b) {
  RecordedInputs ia = inputs_of(a.config.config.labels), ib = inputs_of(b.config.config.labels);
  std::vector<std::string> why = input_changes(ia, ib, "");
  if (ib.lock_digest.empty() && !ia.lock_digest.empty()) why.push_back("lock changed");
  if (why.empty()) {
    std::set<std::string> keys;
    for (auto* c : {&a.config, &b.config})
      for (auto& [k, v] : c->config.labels) keys.insert(k);
    for (auto& k : keys)
      if (label(a.config, k) != label(b.config, k)) why.push_back("label " + k + " changed");
  }
  if (why.empty()) {
    if (a.manifest.layers.size() != b.manifest.layers.size())
      why.push_back("layers " + std::to_string(a.manifest.layers.size()) + " -> " +
                    std::to_string(b.manifest.layers.size()));
    else
      why.push_back(
          "content changed with the same recorded inputs (dlimage version, flags or a non-reproducible input)");
  }
  return why;
}

Result<DiffReport> diff_layouts(const std::string& a, const std::string& b) {
  DL_ASSIGN_OR_RETURN(auto la, layout::Layout::open(layout::layout_dir(a)));
  DL_ASSIGN_OR_RETURN(auto lb, layout::Layout::open(layout::layout_dir(b)));
  layout::LayoutStore sa(la), sb(lb);
  DL_ASSIGN_OR_RETURN(auto ta, sa.list());
  DL_ASSIGN_OR_RETURN(auto tb, sb.list());
  std::set<std::string> keys(ta.begin(), ta.end());
  keys.insert(tb.begin(), tb.end());
  std::set<std::string> in_a(ta.begin(), ta.end()), in_b(tb.begin(), tb.end());
  DiffReport r{"layout", {}, 0};
  for (auto& k : keys) {
    if (starts_with(k, "base/")) continue;       // base copies the build keeps; the images name them
    if (attest::is_attachment_tag(k)) continue;  // referrers tags: part of the image they are about
    if (!in_b.count(k)) {
      r.entries.push_back({k, "removed", {}});
      continue;
    }
    if (!in_a.count(k)) {
      r.entries.push_back({k, "added", {}});
      continue;
    }
    DL_ASSIGN_OR_RETURN(auto ha, sa.head_manifest(k));
    DL_ASSIGN_OR_RETURN(auto hb, sb.head_manifest(k));
    if (ha.digest == hb.digest) {
      ++r.same;
      continue;
    }
    std::vector<std::string> details = {ha.digest.str() + " -> " + hb.digest.str()};
    auto ia = layout::read_image(sa, k);
    auto ib = layout::read_image(sb, k);
    if (ia.ok() && ib.ok())
      for (auto& w : why_images_differ(*ia, *ib)) details.push_back(w);
    r.entries.push_back({k, "changed", details});
  }
  return r;
}

std::map<std::string, std::string> versions(const wheel::LockedEnvironment& e) {
  std::map<std::string, std::string> v;
  for (auto& w : e.wheels) v[w.name] = w.version;
  return v;
}

std::vector<std::string> wheel_changes(const wheel::LockedEnvironment& a, const wheel::LockedEnvironment& b) {
  std::vector<std::string> out;
  auto va = versions(a), vb = versions(b);
  for (auto& [name, v] : va) {
    auto it = vb.find(name);
    if (it == vb.end())
      out.push_back(name + " " + v + " removed");
    else if (it->second != v)
      out.push_back(name + " " + v + " -> " + it->second);
  }
  for (auto& [name, v] : vb)
    if (!va.count(name)) out.push_back(name + " " + v + " added");
  if (a.requirements != b.requirements)
    out.push_back("requirements: " + join(a.requirements, ", ") + " -> " + join(b.requirements, ", "));
  if (out.empty()) out.push_back("same versions, other files (a wheel's sha256 or URL)");
  return out;
}

// The lock's "bases" or "artifacts" entries, by key ("base REF").
template <class T, class Details>
void diff_pins(const std::map<std::string, T>& a, const std::map<std::string, T>& b, const std::string& prefix,
               DiffReport& r, const Details& details) {
  for (auto& [k, v] : a) {
    auto it = b.find(k);
    if (it == b.end())
      r.entries.push_back({prefix + k, "removed", {}});
    else if (v == it->second)
      ++r.same;
    else
      r.entries.push_back({prefix + k, "changed", details(v, it->second)});
  }
  for (auto& [k, v] : b)
    if (!a.count(k)) r.entries.push_back({prefix + k, "added", {}});
}

Result<DiffReport> diff_locks(const std::string& a, const std::string& b) {
  for (auto& f : {a, b})
    if (!fs::is_regular_file(f)) return not_found(f + ": expected a lock file or an oci:DIR layout");
  DL_ASSIGN_OR_RETURN(auto la, wheel::load_lock(a));
  DL_ASSIGN_OR_RETURN(auto lb, wheel::load_lock(b));
  DiffReport r{"lock", {}, 0};
  for (auto& [k, e] : la.environments) {
    auto it = lb.environments.find(k);
    if (it == lb.environments.end())
      r.entries.push_back({k, "removed", {}});
    else if (e == it->second)
      ++r.same;
    else
      r.entries.push_back({k, "changed", wheel_changes(e, it->second)});
  }
  for (auto& [k, e] : lb.environments)
    if (!la.environments.count(k)) r.entries.push_back({k, "added", {}});
  if (la.apt != lb.apt) r.entries.push_back({"apt", "changed", {"the OS-package lock differs"}});
  diff_pins(la.bases, lb.bases, "base ", r, [](const wheel::LockedBase& x, const wheel::LockedBase& y) {
    return std::vector<std::string>{x.digest + " -> " + y.digest};
  });
  diff_pins(la.artifacts, lb.artifacts, "artifacts ", r,
            [](const std::vector<wheel::LockedArtifact>& x, const std::vector<wheel::LockedArtifact>& y) {
              std::vector<std::string> out;
              auto line = [](const wheel::LockedArtifact& f) { return f.dest + " " + f.url + " sha256:" + f.sha256; };
              for (auto& f : x)
                if (std::find(y.begin(), y.end(), f) == y.end()) out.push_back("- " + line(f));
              for (auto& f : y)
                if (std::find(x.begin(), x.end(), f) == x.end()) out.push_back("+ " + line(f));
              return out;
            });
  return r;
}

}  // namespace

Result<DiffReport> diff_release(const std::string& a, const std::string& b) {
  bool la = is_layout(a), lb = is_layout(b);
  if (la != lb) return invalid("diff " + a + " " + b + ": expected two layouts (oci:DIR) or two lock files");
  return la ? diff_layouts(a, b) : diff_locks(a, b);
}

std::string format_diff(const DiffReport& d) {
  std::string out;
  for (auto& e : d.entries) {
    out += (e.change == "added" ? "+ " : e.change == "removed" ? "- " : "~ ") + e.key + "\n";
    for (auto& x : e.details) out += "    " + x + "\n";
  }
  bool one = d.entries.size() == 1;
  out += (d.kind == "lock" ? count_of(d.entries.size(), "lock entry", "lock entries")
                           : count_of(d.entries.size(), "tag")) +
         (one ? " differs, " : " differ, ") + std::to_string(d.same) + " the same\n";
  return out;
}

std::string diff_json(const DiffReport& d) {
  nlohmann::ordered_json j{{"schema", 1},
                           {"kind", "dlimage.diff"},
                           {"compared", d.kind},
                           {"entries", nlohmann::ordered_json::array()},
                           {"same", d.same}};
  for (auto& e : d.entries) j["entries"].push_back({{"key", e.key}, {"change", e.change}, {"details", e.details}});
  return j.dump(2) + "\n";
}

}  // namespace dl::pipeline
