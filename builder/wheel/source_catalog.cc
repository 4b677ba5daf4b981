// URL catalogs: explicit rows mapping (name, version, python, variant) to a
// wheel URL, for vendor builds that live on no index.
#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "builder/pypa/name.h"
#include "builder/wheel/source.h"

namespace dl::wheel {

namespace {

class Catalog : public WheelSource {
 public:
  Catalog(std::vector<CatalogEntry> entries, std::string where)
      : entries_(std::move(entries)), where_(std::move(where)) {}
  Result<std::vector<WheelLink>> list(const std::string& project) override {
    std::string want = pypa::normalize_name(project);
    std::vector<WheelLink> out;
    for (auto& e : entries_) {
      if (pypa::normalize_name(e.name) != want) continue;
      WheelLink l;
      std::string path = e.url.substr(0, e.url.find_first_of("?#"));
      l.filename = path.substr(path.rfind('/') + 1);
      l.url = e.url;
      l.sha256 = e.sha256;
      l.variant = e.variant;
      l.python = e.python;
      l.source = describe();
      out.push_back(std::move(l));
    }
    return out;
  }
  std::string describe() const override { return "catalog " + where_; }

 private:
  std::vector<CatalogEntry> entries_;
  std::string where_;
};

}  // namespace

Result<std::vector<CatalogEntry>> parse_catalog(const std::string& text, const std::string& where) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return invalid(where + ": not valid JSON (expected an array of catalog entries)");
  if (!j.is_array()) return invalid(where + ": expected a JSON array of catalog entries");
  std::vector<CatalogEntry> out;
  for (size_t i = 0; i < j.size(); ++i) {
    const auto& row = j[i];
    std::string at = where + ": entry " + std::to_string(i);
    if (!row.is_object()) return invalid(at + ": expected an object");
    CatalogEntry e;
    auto field = [&](const char* key, std::string& dst, bool required) -> Status {
      auto it = row.find(key);
      if (it == row.end()) {
        if (required) return invalid(at + ": missing \"" + key + "\"");
        return {};
      }
      if (!it->is_string()) return invalid(at + ": \"" + key + "\" must be a string");
      dst = it->get<std::string>();
      return {};
    };
    DL_TRY(field("name", e.name, true));
    DL_TRY(field("version", e.version, true));
    DL_TRY(field("url", e.url, true));
    DL_TRY(field("python", e.python, false));
    DL_TRY(field("variant", e.variant, false));
    DL_TRY(field("sha256", e.sha256, false));
    if (!e.url.ends_with(".whl") && e.url.find(".whl?") == std::string::npos)
      return invalid(at + ": url \"" + e.url + "\" does not name a .whl file");
    if (!e.sha256.empty() &&
        (e.sha256.size() != 64 || e.sha256.find_first_not_of("0123456789abcdef") != std::string::npos))
      return invalid(at + ": sha256 \"" + e.sha256 + "\" (expected 64 lowercase hex digits)");
    out.push_back(std::move(e));
  }
  return out;
}

Result<std::vector<CatalogEntry>> load_catalog(const std::string& path) {
  DL_ASSIGN_OR_RETURN(std::string text, read_file(path));
  return parse_catalog(text, path);
}

std::unique_ptr<WheelSource> catalog_source(std::vector<CatalogEntry> entries, std::string where) {
  return std::make_unique<Catalog>(std::move(entries), std::move(where));
}

}  // namespace dl::wheel
