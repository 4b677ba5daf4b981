#include "builder/cpu/microarch.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "base/fs.h"
#include "base/strings.h"
#include "builder/cpu/embedded.h"
#include "builder/matrix/yaml_source.h"

namespace dl::cpu {
namespace {

std::string at(const std::string& source, const YAML::Mark& m) {
  return source + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1) + ": ";
}

Error bad(const std::string& source, const YAML::Node& n, const std::string& what) {
  return invalid(at(source, n.Mark()) + what);
}

// A YAML sequence of scalars, or an error naming where and what was expected.
Result<std::vector<std::string>> scalars(const std::string& source, const YAML::Node& n, const std::string& field) {
  std::vector<std::string> out;
  if (!n) return out;
  if (!n.IsSequence()) return bad(source, n, field + " must be a list (expected [a, b, ...])");
  for (const auto& item : n) {
    if (!item.IsScalar()) return bad(source, item, field + " entries must be plain names");
    out.push_back(item.Scalar());
  }
  return out;
}

// One spelling for lookups: case, '-', '_' and ' ' do not matter.
std::string name_key(std::string_view name) {
  std::string k = to_lower(trim(name));
  for (char& c : k)
    if (c == '-' || c == ' ') c = '_';
  return k;
}

const std::set<std::string> kEntryKeys = {"vendor", "from", "aliases", "features", "arch"};

Status check_entry_keys(const std::string& source, const YAML::Node& entry, const std::string& name) {
  for (const auto& kv : entry) {
    const std::string key = kv.first.Scalar();
    if (kEntryKeys.count(key)) continue;
    std::string hint = nearest(key, std::vector<std::string>(kEntryKeys.begin(), kEntryKeys.end()));
    return bad(
        source, kv.first,
        "unknown key '" + key + "' in microarchitecture '" + name + "'" +
            (hint.empty() ? " (expected vendor, from, aliases, features, arch)" : "; did you mean '" + hint + "'?"));
  }
  return {};
}

// A root declares its architecture; everything else inherits it, and
// parents of two architectures are a contradiction.
Status set_arch(const std::string& source, const YAML::Node& node, Microarchitecture& a,
                const std::vector<const Microarchitecture*>& parents) {
  if (auto n = node["arch"]) {
    if (!n.IsScalar() || (n.Scalar() != "amd64" && n.Scalar() != "arm64"))
      return bad(source, n, "arch must be amd64 or arm64 (OCI spelling)");
    a.arch = n.Scalar();
  }
  for (const auto* p : parents) {
    if (a.arch.empty()) a.arch = p->arch;
    if (p->arch != a.arch)
      return bad(source, node, "'" + a.name + "' is " + a.arch + " but its parent '" + p->name + "' is " + p->arch);
  }
  if (a.arch.empty()) return bad(source, node, "'" + a.name + "' has no parent, so it must say arch: amd64|arm64");
  return {};
}

struct RawEntry {
  Microarchitecture arch;
  std::vector<std::string> listed;  // features as written
  YAML::Node node, from_node, features_node;
};

Status build(const YAML::Node& root, const std::string& source,
             std::vector<std::pair<std::string, std::string>>& aliases_out, std::vector<Microarchitecture>& archs_out) {
  if (!root.IsMap()) return invalid(source + ": expected a mapping with 'microarchitectures:'");
  if (auto fa = root["flag_aliases"]) {
    if (!fa.IsMap()) return bad(source, fa, "flag_aliases must map a spelling to a /proc/cpuinfo flag");
    for (const auto& kv : fa) aliases_out.emplace_back(to_lower(kv.first.Scalar()), kv.second.Scalar());
  }
  YAML::Node list = root["microarchitectures"];
  if (!list || !list.IsMap()) return invalid(source + ": missing 'microarchitectures:' mapping");

  std::vector<RawEntry> raw;
  std::map<std::string, size_t> index;  // lower-cased name or alias -> raw index
  for (const auto& kv : list) {
    RawEntry e;
    e.arch.name = kv.first.Scalar();
    e.node = kv.second;
    if (!e.node.IsMap()) return bad(source, kv.first, "microarchitecture '" + e.arch.name + "' must be a mapping");
    DL_TRY(check_entry_keys(source, e.node, e.arch.name));
    if (!e.node["vendor"] || !e.node["vendor"].IsScalar())
      return bad(source, kv.first,
                 "'" + e.arch.name + "' has no vendor (expected vendor: GenuineIntel|AuthenticAMD|ARM|generic)");
    e.arch.vendor = e.node["vendor"].Scalar();
    e.from_node = e.node["from"];
    e.features_node = e.node["features"];
    DL_ASSIGN_OR_RETURN(e.arch.parents, scalars(source, e.from_node, "from"));
    DL_ASSIGN_OR_RETURN(e.arch.aliases, scalars(source, e.node["aliases"], "aliases"));
    DL_ASSIGN_OR_RETURN(e.listed, scalars(source, e.features_node, "features"));
    std::vector<std::string> keys = e.arch.aliases;
    keys.push_back(e.arch.name);
    for (const auto& k : keys) {
      auto [it, fresh] = index.emplace(name_key(k), raw.size());
      if (!fresh && it->second != raw.size())  // "SandyBridge" may alias "sandybridge" itself
        return bad(source, kv.first,
                   "name or alias '" + k + "' of '" + e.arch.name + "' is already used by '" +
                       raw[it->second].arch.name + "'");
    }
    raw.push_back(std::move(e));
  }

  // Resolve parents by canonical name, computing full sets depth-first.
  std::vector<int> state(raw.size(), 0);  // 0 new, 1 visiting, 2 done
  std::function<Status(size_t)> visit = [&](size_t i) -> Status {
    RawEntry& e = raw[i];
    if (state[i] == 2) return {};
    if (state[i] == 1) return bad(source, e.from_node, "cycle in 'from' through '" + e.arch.name + "'");
    state[i] = 1;
    std::set<std::string> ancestors;
    std::vector<const Microarchitecture*> parents;
    for (size_t p = 0; p < e.arch.parents.size(); ++p) {
      const std::string& parent = e.arch.parents[p];
      auto it = index.find(name_key(parent));
      if (it == index.end() || raw[it->second].arch.name != parent) {
        std::vector<std::string> names;
        for (const auto& r : raw) names.push_back(r.arch.name);
        std::string hint = nearest(parent, names);
        return bad(source, e.from_node[p],
                   "unknown parent '" + parent + "' of '" + e.arch.name + "'" +
                       (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
      }
      DL_TRY(visit(it->second));
      const RawEntry& pe = raw[it->second];
      parents.push_back(&pe.arch);
      ancestors.insert(pe.arch.name);
      // Count transitive ancestors without double counting diamonds.
      std::function<void(const RawEntry&)> add = [&](const RawEntry& x) {
        for (const auto& gp : x.arch.parents) {
          const RawEntry& ge = raw[index.at(name_key(gp))];
          if (ancestors.insert(ge.arch.name).second) add(ge);
        }
      };
      add(pe);
      std::vector<std::string> lacking;
      for (const auto& f : pe.arch.features)
        if (std::find(e.listed.begin(), e.listed.end(), f) == e.listed.end()) lacking.push_back(f);
      if (!lacking.empty())
        return bad(source, e.features_node ? e.features_node : e.node,
                   "'" + e.arch.name + "' lacks features of its parent '" + parent + "': " + join(lacking, " ") +
                       " (features must be the full set, a superset of every parent's)");
    }
    DL_TRY(set_arch(source, e.node, e.arch, parents));
    e.arch.features.insert(e.listed.begin(), e.listed.end());
    e.arch.ancestors = ancestors.size();
    state[i] = 2;
    return {};
  };
  for (size_t i = 0; i < raw.size(); ++i) DL_TRY(visit(i));
  for (auto& e : raw) archs_out.push_back(std::move(e.arch));
  return {};
}

}  // namespace

Result<CpuModel> CpuModel::parse(std::string_view yaml_text, const std::string& source) {
  // Bounded like every YAML document (size, depth, alias expansion).
  DL_ASSIGN_OR_RETURN(YAML::Node root, yamlsrc::Source(source).parse(std::string(yaml_text)));
  CpuModel m;
  try {
    DL_TRY(build(root, source, m.flag_aliases_, m.archs_));
  } catch (const YAML::Exception& e) {  // type conversions deep inside yaml-cpp
    return invalid(at(source, e.mark) + e.msg);
  }
  return m;
}

Result<CpuModel> CpuModel::load(const std::string& path) {
  DL_ASSIGN_OR_RETURN(std::string text, read_file(path));
  return parse(text, path);
}

Result<CpuModel> CpuModel::embedded() {
  return parse(embedded_microarchitectures_yaml(), "<embedded>/data/microarchitectures.yaml");
}

const Microarchitecture* CpuModel::find(std::string_view name) const {
  std::string key = name_key(name);
  for (const auto& a : archs_) {
    if (name_key(a.name) == key) return &a;
    for (const auto& al : a.aliases)
      if (name_key(al) == key) return &a;
  }
  return nullptr;
}

const Microarchitecture* CpuModel::generic_for(std::string_view oci_arch) const {
  for (const auto& a : archs_)
    if (a.parents.empty() && a.vendor == "generic" && a.arch == oci_arch) return &a;
  return nullptr;
}

Result<const Microarchitecture*> CpuModel::lookup(std::string_view name) const {
  if (const auto* a = find(name)) return a;
  std::vector<std::string> names;
  for (const auto& a : archs_) {
    names.push_back(a.name);
    names.insert(names.end(), a.aliases.begin(), a.aliases.end());
  }
  std::string hint = nearest(name, names);
  std::string msg = "unknown microarchitecture '" + std::string(name) + "'";
  if (!hint.empty()) {
    const auto* h = find(hint);
    msg += " (did you mean '" + h->name + "'" + (h->name == hint ? "" : ", alias '" + hint + "'") + "?)";
  } else {
    msg += " (expected one of the names in data/microarchitectures.yaml, e.g. haswell, zen3)";
  }
  return invalid(msg);
}

std::string CpuModel::canonical_flag(std::string_view flag) const {
  std::string f = to_lower(trim(flag));
  for (const auto& [from, to] : flag_aliases_)
    if (from == f) return to;
  return f;
}

FeatureSet CpuModel::canonical_flags(const FeatureSet& flags) const {
  FeatureSet out;
  for (const auto& f : flags) out.insert(canonical_flag(f));
  return out;
}

const Microarchitecture* CpuModel::best_match(const FeatureSet& flags, std::string_view vendor) const {
  const Microarchitecture* best = nullptr;
  auto vendor_match = [&](const Microarchitecture& a) { return !vendor.empty() && a.vendor == vendor; };
  for (const auto& a : archs_) {
    if (!vendor.empty() && a.vendor != "generic" && a.vendor != vendor) continue;
    if (!std::includes(flags.begin(), flags.end(), a.features.begin(), a.features.end())) continue;
    if (!best) {
      best = &a;
      continue;
    }
    if (a.features.size() != best->features.size()) {
      if (a.features.size() > best->features.size()) best = &a;
    } else if (vendor_match(a) != vendor_match(*best)) {
      if (vendor_match(a)) best = &a;
    } else if (a.ancestors < best->ancestors) {
      best = &a;
    }
  }
  return best;
}

std::vector<std::string> missing_features(const std::vector<std::string>& required, const FeatureSet& have) {
  std::vector<std::string> out;
  for (const auto& f : required)
    if (!have.count(f)) out.push_back(f);
  return out;
}

Status check_isa_features(const CpuModel& model,
                          const std::vector<std::pair<std::string, std::vector<std::string>>>& isa,
                          const std::string& source) {
  std::set<std::string> known;
  for (const auto& a : model.all()) known.insert(a.features.begin(), a.features.end());
  for (const auto& [entry, features] : isa) {
    for (const auto& f : features) {
      if (known.count(model.canonical_flag(f))) continue;
      std::string hint = nearest(f, std::vector<std::string>(known.begin(), known.end()));
      return invalid(source + ": isa " + entry + ": feature '" + f +
                     "' is not a CPU flag the CPU data (data/microarchitectures.yaml) knows" +
                     (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
    }
  }
  return {};
}

}  // namespace dl::cpu
