#include "builder/image/json_internal.h"

#include "base/json_limits.h"

namespace dl::image::detail {

Result<Json> parse_json(std::string_view text, const std::string& source) {
  // Manifests, indexes and configs come from registries and layouts made by
  // others: bounded before any tree is built.
  DL_TRY(check_json_limits(text, source, {16u << 20, 64}));
  try {
    return Json::parse(text);
  } catch (const Json::parse_error& e) {
    size_t line = 1, col = 1;
    for (size_t i = 0; i + 1 < e.byte && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    std::string what = e.what();
    size_t cut = what.find("parse error");
    return invalid(source + ":" + std::to_string(line) + ":" + std::to_string(col) +
                   ": invalid JSON: " + (cut == std::string::npos ? what : what.substr(cut)));
  } catch (const Json::exception& e) {  // e.g. out_of_range: a number past double's range
    return invalid(source + ": invalid JSON: " + e.what());
  }
}

Result<std::string> dump(const Json& j, const std::string& what) {
  try {
    return j.dump();
  } catch (const Json::exception& e) {
    return invalid(what + ": cannot serialise JSON (expected UTF-8 strings): " + e.what());
  }
}

std::string type_name(const Json& j) { return j.type_name(); }

Error Doc::error(const std::string& path, const std::string& expected, const Json* got) const {
  std::string msg = source + ": " + (path.empty() ? "document" : path) + ": expected " + expected;
  // Only the type: values may be secrets (Env, labels).
  if (got) msg += ", got " + type_name(*got);
  return invalid(msg);
}

Result<const Json*> Doc::object(const Json& obj, const std::string& path) const {
  if (!obj.is_object()) return error(path, "an object", &obj);
  return &obj;
}

static std::string join_path(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

Result<std::string> Doc::str(const Json& obj, const std::string& key, const std::string& path, bool required) const {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    if (required) return error(join_path(path, key), "a string (field is missing)", nullptr);
    return std::string();
  }
  if (!it->is_string()) return error(join_path(path, key), "a string", &*it);
  return it->get<std::string>();
}

Result<std::int64_t> Doc::integer(const Json& obj, const std::string& key, const std::string& path,
                                  bool required) const {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    if (required) return error(join_path(path, key), "an integer (field is missing)", nullptr);
    return std::int64_t(0);
  }
  if (!it->is_number_integer()) return error(join_path(path, key), "an integer", &*it);
  return it->get<std::int64_t>();
}

Result<std::vector<std::string>> Doc::strings(const Json& obj, const std::string& key, const std::string& path) const {
  std::vector<std::string> out;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return out;
  if (!it->is_array()) return error(join_path(path, key), "an array of strings", &*it);
  for (size_t i = 0; i < it->size(); ++i) {
    const Json& v = (*it)[i];
    if (!v.is_string()) return error(join_path(path, key) + "[" + std::to_string(i) + "]", "a string", &v);
    out.push_back(v.get<std::string>());
  }
  return out;
}

Result<std::map<std::string, std::string>> Doc::string_map(const Json& obj, const std::string& key,
                                                           const std::string& path) const {
  std::map<std::string, std::string> out;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return out;
  if (!it->is_object()) return error(join_path(path, key), "an object of strings", &*it);
  for (auto kv = it->begin(); kv != it->end(); ++kv) {
    if (!kv.value().is_string()) return error(join_path(path, key) + "." + kv.key(), "a string", &kv.value());
    out[kv.key()] = kv.value().get<std::string>();
  }
  return out;
}

Result<Descriptor> Doc::descriptor(const Json& j, const std::string& path) const {
  DL_TRY(object(j, path));
  Descriptor d;
  DL_ASSIGN_OR_RETURN(d.media_type, str(j, "mediaType", path, true));
  DL_ASSIGN_OR_RETURN(std::string digest, str(j, "digest", path, true));
  auto parsed = Digest::parse(digest);
  if (!parsed.ok()) return invalid(source + ": " + path + ".digest: " + parsed.error().message());
  d.digest = *parsed;
  DL_ASSIGN_OR_RETURN(d.size, integer(j, "size", path, true));
  if (d.size < 0) return error(path + ".size", "a non-negative integer", &j["size"]);
  DL_ASSIGN_OR_RETURN(d.urls, strings(j, "urls", path));
  DL_ASSIGN_OR_RETURN(d.annotations, string_map(j, "annotations", path));
  auto p = j.find("platform");
  if (p != j.end() && !p->is_null()) {
    std::string pp = path + ".platform";
    DL_TRY(object(*p, pp));
    Platform pl;
    DL_ASSIGN_OR_RETURN(pl.architecture, str(*p, "architecture", pp, true));
    DL_ASSIGN_OR_RETURN(pl.os, str(*p, "os", pp, true));
    DL_ASSIGN_OR_RETURN(pl.variant, str(*p, "variant", pp, false));
    DL_ASSIGN_OR_RETURN(pl.os_version, str(*p, "os.version", pp, false));
    DL_ASSIGN_OR_RETURN(pl.os_features, strings(*p, "os.features", pp));
    d.platform = pl;
  }
  return d;
}

Json to_json(const Descriptor& d) {
  Json j = {{"mediaType", d.media_type}, {"digest", d.digest.str()}, {"size", d.size}};
  if (!d.urls.empty()) j["urls"] = d.urls;
  if (!d.annotations.empty()) j["annotations"] = d.annotations;
  if (d.platform) {
    Json p = {{"architecture", d.platform->architecture}, {"os", d.platform->os}};
    if (!d.platform->variant.empty()) p["variant"] = d.platform->variant;
    if (!d.platform->os_version.empty()) p["os.version"] = d.platform->os_version;
    if (!d.platform->os_features.empty()) p["os.features"] = d.platform->os_features;
    j["platform"] = p;
  }
  return j;
}

}  // namespace dl::image::detail
