#include "builder/matrix/catalog_parse.h"

#include <algorithm>
#include <cctype>

#include "base/strings.h"

namespace dl::matrix::model {
namespace {

using yamlsrc::Source;

// Accelerator attributes are template variables too ({accelerator.tag}), so
// the set is closed: a misspelt attribute would otherwise become a variable
// nothing reads.
const std::vector<std::string> kAcceleratorKeys = {"kind", "cuda", "cudnn",         "rocm",
                                                   "base", "tag",  "wheel_variant", "apt"};

// A Python version is MAJOR.MINOR ("3.6"): the form pypa::Interpreter parses
// once per cell. Checked here so a typo is named at its file:line:col, not
// found later by the build with no location.
bool digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

bool is_major_minor(const std::string& v) {
  auto dot = v.find('.');
  return dot != std::string::npos && digits(v.substr(0, dot)) && digits(v.substr(dot + 1));
}

// The MAJOR.MINOR a malformed version most likely meant: "36" -> "3.6",
// "python3.6" -> "3.6", "3.6.9" -> "3.6"; "" when there is no clear guess.
std::string python_version_hint(std::string v) {
  for (const char* prefix : {"python", "py", "cp"})
    if (v.rfind(prefix, 0) == 0) {
      v.erase(0, std::string(prefix).size());
      break;
    }
  if (is_major_minor(v)) return v;
  auto dot = v.find('.');
  auto dot2 = dot == std::string::npos ? dot : v.find('.', dot + 1);
  if (dot2 != std::string::npos && is_major_minor(v.substr(0, dot2))) return v.substr(0, dot2);
  if (digits(v) && (v.size() == 2 || v.size() == 3)) return v.substr(0, 1) + "." + v.substr(1);
  return "";
}

// `version` sits at byte `offset` of the scalar `key` (a part of "2.7/3.6").
Status check_python_version(const Source& src, const YAML::Node& key, const std::string& version, size_t offset,
                            const std::string& what) {
  if (is_major_minor(version)) return {};
  YAML::Mark m = key.Mark();
  m.column = yamlsrc::value_column(key) - 1 + int(offset);
  std::string hint = python_version_hint(version);
  return src.error_at(m, what + " '" + version + "' is not a Python version; expected MAJOR.MINOR, e.g. 3.6" +
                             (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
}

Result<BaseImage> parse_base(const Source& src, const std::string& key, const YAML::Node& n) {
  DL_TRY(src.expect_map(n, "bases." + key));
  DL_TRY(src.check_keys(n, {"ref", "glibc", "os", "arch", "pythons", "apt"}, "bases." + key));
  BaseImage b;
  b.key = key;
  if (!n["ref"]) return src.error_at(n, "bases." + key + " has no 'ref'; expected an image reference");
  DL_ASSIGN_OR_RETURN(b.ref, src.scalar(n["ref"], "bases." + key + ".ref"));
  if (n["glibc"]) {
    DL_ASSIGN_OR_RETURN(b.glibc, src.scalar(n["glibc"], "bases." + key + ".glibc"));
  }
  if (n["os"]) {
    DL_ASSIGN_OR_RETURN(b.os, src.scalar(n["os"], "bases." + key + ".os"));
  }
  if (n["arch"]) {
    DL_ASSIGN_OR_RETURN(b.arch, src.scalar(n["arch"], "bases." + key + ".arch"));
    // OCI spelling: resolve compares it with the machine's.
    static const std::vector<std::string> kArchs = {"amd64", "arm64", "386", "arm", "ppc64le", "s390x", "riscv64"};
    if (std::find(kArchs.begin(), kArchs.end(), b.arch) == kArchs.end()) {
      std::string hint = b.arch == "x86_64" ? "amd64" : b.arch == "aarch64" ? "arm64" : nearest(b.arch, kArchs);
      return src.error_at(
          n["arch"], "bases." + key + ".arch '" + b.arch + "' is not an OCI architecture; " +
                         (hint.empty() ? "expected one of: " + join(kArchs, ", ") : "did you mean '" + hint + "'?"));
    }
  }
  if (n["apt"]) {
    DL_TRY(src.expect_map(n["apt"], "bases." + key + ".apt"));
    b.apt = {src.name(), std::make_shared<const YAML::Node>(n["apt"])};
  }
  if (n["pythons"]) {
    const auto& ps = n["pythons"];
    DL_TRY(src.expect_map(ps, "bases." + key + ".pythons"));
    for (auto it = ps.begin(); it != ps.end(); ++it) {
      std::string what = "bases." + key + ".pythons." + it->first.Scalar();
      DL_TRY(src.expect_map(it->second, what));
      DL_TRY(src.check_keys(it->second, {"abi", "interpreter", "site_packages"}, what));
      PythonLayout p;
      p.version = it->first.Scalar();
      DL_TRY(check_python_version(src, it->first, p.version, 0, "bases." + key + ".pythons key"));
      for (auto [field, dest] :
           {std::pair{"abi", &p.abi}, {"interpreter", &p.interpreter}, {"site_packages", &p.site_packages}}) {
        if (!it->second[field]) return src.error_at(it->second, what + " has no '" + field + "'");
        DL_ASSIGN_OR_RETURN(*dest, src.scalar(it->second[field], what + "." + field));
      }
      b.pythons.push_back(p);
    }
  }
  return b;
}

}  // namespace

Status parse_catalog(const Source& src, const YAML::Node& root, Catalog& cat) {
  if (root["bases"]) {
    DL_TRY(src.expect_map(root["bases"], "bases"));
    for (auto it = root["bases"].begin(); it != root["bases"].end(); ++it) {
      DL_ASSIGN_OR_RETURN(auto b, parse_base(src, it->first.Scalar(), it->second));
      cat.bases[b.key] = b;
    }
  }
  if (root["pythons"]) {
    DL_TRY(src.expect_map(root["pythons"], "pythons"));
    for (auto it = root["pythons"].begin(); it != root["pythons"].end(); ++it) {
      std::string key = it->first.Scalar();
      std::map<std::string, std::string> attrs;
      if (!it->second.IsNull()) {
        DL_ASSIGN_OR_RETURN(auto kv, src.string_map(it->second, "pythons." + key));
        attrs.insert(kv.begin(), kv.end());
      }
      size_t offset = 0;
      for (const auto& v : split(key, '/')) {
        if (v.empty())
          return src.error_at(it->first, "python value '" + key + "' has an empty version; expected e.g. 2.7/3.6");
        DL_TRY(check_python_version(src, it->first, v, offset, "python value"));
        offset += v.size() + 1;
      }
      cat.pythons[key] = attrs;
    }
  }
  if (root["accelerators"]) {
    DL_TRY(src.expect_map(root["accelerators"], "accelerators"));
    for (auto it = root["accelerators"].begin(); it != root["accelerators"].end(); ++it) {
      std::string key = it->first.Scalar();
      DL_TRY(src.expect_map(it->second, "accelerators." + key));
      DL_TRY(src.check_keys(it->second, kAcceleratorKeys, "accelerators." + key));
      // `apt:` is a section, the rest are string attributes (template variables).
      YAML::Node attrs_node = it->second;
      AptSection apt;
      if (it->second.IsMap() && it->second["apt"]) {
        DL_TRY(src.expect_map(it->second["apt"], "accelerators." + key + ".apt"));
        apt = {src.name(), std::make_shared<const YAML::Node>(it->second["apt"])};
        attrs_node = YAML::Clone(it->second);
        attrs_node.remove("apt");
      }
      DL_ASSIGN_OR_RETURN(auto kv, src.string_map(attrs_node, "accelerators." + key));
      Accelerator a;
      a.key = key;
      a.apt = apt;
      for (auto& [k, v] : kv) {
        a.attrs[k] = v;
        if (k == "kind") a.kind = v;
        if (k == "cuda") a.cuda = v;
        if (k == "cudnn") a.cudnn = v;
        if (k == "rocm") a.rocm = v;
        if (k == "base") a.base = v;
      }
      if (a.kind != "cpu" && a.kind != "cuda" && a.kind != "rocm")
        return src.error_at(it->second,
                            "accelerators." + key + ".kind must be cpu, cuda or rocm; got '" + a.kind + "'");
      if (a.kind == "cuda" && a.cuda.empty())
        return src.error_at(it->second, "accelerators." + key + " is kind cuda but has no 'cuda' version");
      if (a.kind == "rocm" && a.rocm.empty())
        return src.error_at(it->second, "accelerators." + key + " is kind rocm but has no 'rocm' version");
      if (a.base.empty())
        return src.error_at(it->second, "accelerators." + key + " has no 'base'; expected a key of bases:");
      if (!cat.bases.count(a.base)) {
        std::vector<std::string> names;
        for (auto& [n, _] : cat.bases) names.push_back(n);
        std::string hint = nearest(a.base, names);
        return src.error_at(it->second["base"],
                            "accelerators." + key + ".base '" + a.base +
                                "' is not defined in bases:" + (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
      }
      cat.accelerators[key] = a;
    }
  }
  if (root["isa"]) {
    DL_TRY(src.expect_map(root["isa"], "isa"));
    for (auto it = root["isa"].begin(); it != root["isa"].end(); ++it) {
      std::string key = it->first.Scalar();
      DL_TRY(src.expect_map(it->second, "isa." + key));
      DL_TRY(src.check_keys(it->second, {"rank", "features", "tag"}, "isa." + key));
      IsaVariant v;
      v.key = key;
      if (it->second["rank"]) {
        DL_ASSIGN_OR_RETURN(v.rank, src.integer(it->second["rank"], "isa." + key + ".rank"));
      }
      if (it->second["features"]) {
        DL_ASSIGN_OR_RETURN(v.features, src.scalar_list(it->second["features"], "isa." + key + ".features"));
      }
      if (it->second["tag"]) {
        DL_ASSIGN_OR_RETURN(v.attrs["tag"], src.scalar(it->second["tag"], "isa." + key + ".tag"));
      }
      v.attrs["rank"] = std::to_string(v.rank);
      v.attrs["features"] = join(v.features, " ");
      cat.isa[key] = v;
    }
  }
  if (!cat.isa.count("generic")) {
    IsaVariant g;
    g.key = "generic";
    g.attrs = {{"tag", ""}, {"rank", "0"}, {"features", ""}};
    cat.isa["generic"] = g;
  }
  return {};
}

std::vector<std::string> catalog_values(const Catalog& c, const std::string& axis) {
  std::vector<std::string> out;
  if (axis == "python")
    for (auto& [k, _] : c.pythons) out.push_back(k);
  if (axis == "accelerator")
    for (auto& [k, _] : c.accelerators) out.push_back(k);
  if (axis == "isa")
    for (auto& [k, _] : c.isa) out.push_back(k);
  return out;
}

std::set<std::string> catalog_attrs(const Catalog& c, const std::string& axis) {
  std::set<std::string> out;
  if (axis == "python")
    for (auto& [_, a] : c.pythons)
      for (auto& [k, v] : a) out.insert(k);
  if (axis == "accelerator")
    for (auto& [_, a] : c.accelerators)
      for (auto& [k, v] : a.attrs) out.insert(k);
  if (axis == "isa")
    for (auto& [_, a] : c.isa)
      for (auto& [k, v] : a.attrs) out.insert(k);
  return out;
}

}  // namespace dl::matrix::model
