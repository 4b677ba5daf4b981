#include "builder/cpu/drivers.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "base/fs.h"
#include "base/strings.h"
#include "builder/cpu/embedded.h"
#include "builder/matrix/yaml_source.h"

namespace dl::cpu {

Result<Version> Version::parse(std::string_view text, std::string_view what) {
  Version v;
  v.text = trim(text);
  auto fields = split(v.text, '.');
  bool ok = !v.text.empty() && fields.size() <= 4;
  for (const auto& f : fields) {
    if (!ok) break;
    if (f.empty() || f.size() > 9 ||
        !std::all_of(f.begin(), f.end(), [](char c) { return std::isdigit((unsigned char)c); })) {
      ok = false;
      break;
    }
    unsigned part = 0;
    std::from_chars(f.data(), f.data() + f.size(), part);  // <= 9 digits: fits
    v.parts.push_back(part);
  }
  if (!ok)
    return invalid("malformed " + std::string(what) + " '" + std::string(text) +
                   "' (expected dot-separated numbers like 410.48 or 418.87.00)");
  return v;
}

int Version::compare(const Version& o) const {
  size_t n = std::max(parts.size(), o.parts.size());
  for (size_t i = 0; i < n; ++i) {
    unsigned a = i < parts.size() ? parts[i] : 0, b = i < o.parts.size() ? o.parts[i] : 0;
    if (a != b) return a < b ? -1 : 1;
  }
  return 0;
}

std::string Version::major_minor() const {
  std::string out = std::to_string(parts.empty() ? 0 : parts[0]);
  return out + "." + std::to_string(parts.size() > 1 ? parts[1] : 0);
}

namespace {

std::string at(const std::string& source, const YAML::Node& n) {
  return source + ":" + std::to_string(n.Mark().line + 1) + ":" + std::to_string(n.Mark().column + 1) + ": ";
}

Result<Version> version_field(const std::string& source, const YAML::Node& entry, const char* key) {
  YAML::Node v = entry[key];
  if (!v || !v.IsScalar()) return invalid(at(source, entry) + "missing '" + key + "' (expected a quoted version)");
  auto r = Version::parse(v.Scalar(), key);
  if (!r.ok()) return invalid(at(source, v) + r.error().message());
  return r;
}

}  // namespace

Result<DriverTable> DriverTable::parse(std::string_view yaml_text, const std::string& source) {
  DriverTable t;
  DL_ASSIGN_OR_RETURN(YAML::Node root, yamlsrc::Source(source).parse(std::string(yaml_text)));
  try {
    YAML::Node rel = root["releases"];
    if (!rel || !rel.IsSequence()) return invalid(source + ": missing 'releases:' list");
    for (const auto& e : rel) {
      Release r;
      DL_ASSIGN_OR_RETURN(r.cuda, version_field(source, e, "cuda"));
      DL_ASSIGN_OR_RETURN(r.min_driver, version_field(source, e, "linux_min"));
      t.releases_.push_back(std::move(r));
    }
    if (YAML::Node ov = root["overrides"]) {
      if (!ov.IsSequence()) return invalid(at(source, ov) + "'overrides' must be a list");
      for (const auto& e : ov) {
        Override o;
        DL_ASSIGN_OR_RETURN(Version cuda, version_field(source, e, "cuda"));
        o.cuda = cuda.major_minor();
        DL_ASSIGN_OR_RETURN(o.effective_min, version_field(source, e, "effective_min"));
        if (!e["reason"] || e["reason"].Scalar().empty())
          return invalid(at(source, e) + "override for CUDA " + o.cuda +
                         " has no 'reason' (say why the table is wrong)");
        o.reason = e["reason"].Scalar();
        t.overrides_.push_back(std::move(o));
      }
    }
    if (YAML::Node cc = root["compute"]) {
      if (!cc.IsSequence()) return invalid(at(source, cc) + "'compute' must be a list");
      for (const auto& e : cc) {
        Compute c;
        DL_ASSIGN_OR_RETURN(Version cuda, version_field(source, e, "cuda"));
        c.cuda = cuda.major_minor();
        DL_ASSIGN_OR_RETURN(c.range.min, version_field(source, e, "min"));
        DL_ASSIGN_OR_RETURN(c.range.max, version_field(source, e, "max"));
        if (c.range.max < c.range.min)
          return invalid(at(source, e) + "compute range for CUDA " + c.cuda + " has max < min");
        t.compute_.push_back(std::move(c));
      }
    }
  } catch (const YAML::Exception& e) {
    return invalid(source + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) + ": " +
                   e.msg);
  }
  return t;
}

Result<DriverTable> DriverTable::load(const std::string& path) {
  DL_ASSIGN_OR_RETURN(std::string text, read_file(path));
  return parse(text, path);
}

Result<DriverTable> DriverTable::embedded() {
  return parse(embedded_cuda_drivers_yaml(), "<embedded>/data/cuda_drivers.yaml");
}

Result<DriverRequirement> DriverTable::requirement(std::string_view cuda) const {
  DL_ASSIGN_OR_RETURN(Version want, Version::parse(cuda, "CUDA version"));
  bool whole_series = want.parts.size() <= 2;
  if (whole_series) {
    for (const auto& o : overrides_)
      if (o.cuda == want.major_minor())
        return DriverRequirement{o.effective_min, "override for CUDA " + o.cuda + ": " + o.reason, true};
  }
  const Release* best = nullptr;
  for (const auto& r : releases_) {
    bool same = whole_series ? r.cuda.major_minor() == want.major_minor() : r.cuda == want;
    if (same && (!best || r.min_driver < best->min_driver)) best = &r;
  }
  if (!best)
    return not_found("no NVIDIA driver requirement known for CUDA " + want.text +
                     " (add it to data/cuda_drivers.yaml)");
  return DriverRequirement{best->min_driver, "CUDA " + best->cuda.text + " needs >= " + best->min_driver.text, false};
}

Result<ComputeRange> DriverTable::compute_range(std::string_view cuda) const {
  DL_ASSIGN_OR_RETURN(Version want, Version::parse(cuda, "CUDA version"));
  for (const auto& c : compute_)
    if (c.cuda == want.major_minor()) return c.range;
  return not_found("no compute-capability range known for CUDA " + want.major_minor() +
                   " (add it to compute: in data/cuda_drivers.yaml)");
}

bool rocm_matches(const Version& build, const Version& host) { return build.major_minor() == host.major_minor(); }

Result<Version> parse_nvidia_proc_version(std::string_view text) {
  // The version is the first token after "Kernel Module" that looks like one.
  std::string t(text);
  size_t from = t.find("Kernel Module");
  if (from == std::string::npos) from = 0;
  for (const auto& tok : split(std::string_view(t).substr(from), ' ')) {
    std::string s = trim(tok);
    if (s.empty() || !std::isdigit((unsigned char)s[0]) || s.find('.') == std::string::npos) continue;
    auto v = Version::parse(s, "NVIDIA driver version");
    if (v.ok()) return v;
  }
  return invalid(
      "no driver version in /proc/driver/nvidia/version text (expected 'NVRM version: ... Kernel Module  <version>')");
}

}  // namespace dl::cpu
