#include "builder/image/image_config.h"

#include "builder/image/descriptor.h"
#include "builder/image/json_internal.h"

namespace dl::image {

using detail::Doc;
using detail::Json;

void ImageConfig::set_created(std::int64_t epoch) { created = rfc3339(epoch); }

void ImageConfig::set_env(const std::string& name, const std::string& value) {
  std::string prefix = name + "=";
  for (auto& e : config.env) {
    if (e.compare(0, prefix.size(), prefix) == 0) {
      e = prefix + value;
      return;
    }
  }
  config.env.push_back(prefix + value);
}

std::string ImageConfig::env(const std::string& name) const {
  std::string prefix = name + "=";
  for (const auto& e : config.env)
    if (e.compare(0, prefix.size(), prefix) == 0) return e.substr(prefix.size());
  return "";
}

void ImageConfig::add_layer(const Digest& diff_id, const std::string& created_by, std::int64_t epoch,
                            const std::string& comment) {
  diff_ids.push_back(diff_id);
  history.push_back({rfc3339(epoch), created_by, "", comment, false});
}

void ImageConfig::add_empty_history(const std::string& created_by, std::int64_t epoch) {
  history.push_back({rfc3339(epoch), created_by, "", "", true});
}

namespace {

Json set_of(const std::set<std::string>& s) {
  Json j = Json::object();
  for (const auto& k : s) j[k] = Json::object();
  return j;
}

void put_extra(Json& j, const std::map<std::string, std::string>& extra) {
  for (const auto& [k, raw] : extra) j[k] = Json::parse(raw, nullptr, false);
}

}  // namespace

Result<std::string> serialize(const ImageConfig& c) {
  Json run = Json::object();
  put_extra(run, c.config.extra);
  if (!c.config.user.empty()) run["User"] = c.config.user;
  if (!c.config.working_dir.empty()) run["WorkingDir"] = c.config.working_dir;
  if (!c.config.stop_signal.empty()) run["StopSignal"] = c.config.stop_signal;
  if (!c.config.env.empty()) run["Env"] = c.config.env;
  if (!c.config.entrypoint.empty()) run["Entrypoint"] = c.config.entrypoint;
  if (!c.config.cmd.empty()) run["Cmd"] = c.config.cmd;
  if (!c.config.labels.empty()) run["Labels"] = c.config.labels;
  if (!c.config.exposed_ports.empty()) run["ExposedPorts"] = set_of(c.config.exposed_ports);
  if (!c.config.volumes.empty()) run["Volumes"] = set_of(c.config.volumes);

  Json j = Json::object();
  put_extra(j, c.extra);
  if (!c.created.empty()) j["created"] = c.created;
  if (!c.author.empty()) j["author"] = c.author;
  j["architecture"] = c.architecture;
  j["os"] = c.os;
  if (!c.variant.empty()) j["variant"] = c.variant;
  if (!c.os_version.empty()) j["os.version"] = c.os_version;
  j["config"] = run;
  Json ids = Json::array();
  for (const auto& d : c.diff_ids) ids.push_back(d.str());
  j["rootfs"] = {{"type", "layers"}, {"diff_ids", ids}};
  if (!c.history.empty()) {
    Json h = Json::array();
    for (const auto& e : c.history) {
      Json x = Json::object();
      if (!e.created.empty()) x["created"] = e.created;
      if (!e.created_by.empty()) x["created_by"] = e.created_by;
      if (!e.author.empty()) x["author"] = e.author;
      if (!e.comment.empty()) x["comment"] = e.comment;
      if (e.empty_layer) x["empty_layer"] = true;
      h.push_back(x);
    }
    j["history"] = h;
  }
  return detail::dump(j, "image config");
}

namespace {

Result<std::set<std::string>> key_set(const Doc& doc, const Json& obj, const std::string& key,
                                      const std::string& path) {
  std::set<std::string> out;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return out;
  if (!it->is_object()) return doc.error(path + "." + key, "an object like {\"8888/tcp\": {}}", &*it);
  for (auto kv = it->begin(); kv != it->end(); ++kv) out.insert(kv.key());
  return out;
}

Status parse_run_config(const Doc& doc, const Json& j, RunConfig& rc) {
  const std::string p = "config";
  DL_TRY(doc.object(j, p));
  DL_ASSIGN_OR_RETURN(rc.user, doc.str(j, "User", p, false));
  DL_ASSIGN_OR_RETURN(rc.working_dir, doc.str(j, "WorkingDir", p, false));
  DL_ASSIGN_OR_RETURN(rc.stop_signal, doc.str(j, "StopSignal", p, false));
  DL_ASSIGN_OR_RETURN(rc.env, doc.strings(j, "Env", p));
  DL_ASSIGN_OR_RETURN(rc.entrypoint, doc.strings(j, "Entrypoint", p));
  DL_ASSIGN_OR_RETURN(rc.cmd, doc.strings(j, "Cmd", p));
  DL_ASSIGN_OR_RETURN(rc.labels, doc.string_map(j, "Labels", p));
  DL_ASSIGN_OR_RETURN(rc.exposed_ports, key_set(doc, j, "ExposedPorts", p));
  DL_ASSIGN_OR_RETURN(rc.volumes, key_set(doc, j, "Volumes", p));
  static const std::set<std::string> known = {"User", "WorkingDir", "StopSignal",   "Env",    "Entrypoint",
                                              "Cmd",  "Labels",     "ExposedPorts", "Volumes"};
  for (auto kv = j.begin(); kv != j.end(); ++kv)
    if (!known.count(kv.key()) && !kv.value().is_null()) rc.extra[kv.key()] = kv.value().dump();
  return {};
}

}  // namespace

Result<ImageConfig> parse_config(std::string_view text, const std::string& source) {
  DL_ASSIGN_OR_RETURN(Json j, detail::parse_json(text, source));
  Doc doc{source};
  DL_TRY(doc.object(j, ""));
  ImageConfig c;
  DL_ASSIGN_OR_RETURN(c.created, doc.str(j, "created", "", false));
  DL_ASSIGN_OR_RETURN(c.author, doc.str(j, "author", "", false));
  DL_ASSIGN_OR_RETURN(c.architecture, doc.str(j, "architecture", "", true));
  DL_ASSIGN_OR_RETURN(c.os, doc.str(j, "os", "", true));
  DL_ASSIGN_OR_RETURN(c.variant, doc.str(j, "variant", "", false));
  DL_ASSIGN_OR_RETURN(c.os_version, doc.str(j, "os.version", "", false));
  if (auto it = j.find("config"); it != j.end() && !it->is_null()) DL_TRY(parse_run_config(doc, *it, c.config));
  auto rootfs = j.find("rootfs");
  if (rootfs == j.end())
    return doc.error("rootfs", "an object {\"type\":\"layers\",\"diff_ids\":[...]} (field is missing)", nullptr);
  DL_TRY(doc.object(*rootfs, "rootfs"));
  DL_ASSIGN_OR_RETURN(std::string type, doc.str(*rootfs, "type", "rootfs", true));
  if (type != "layers") return doc.error("rootfs.type", "\"layers\"", &(*rootfs)["type"]);
  DL_ASSIGN_OR_RETURN(auto ids, doc.strings(*rootfs, "diff_ids", "rootfs"));
  for (size_t i = 0; i < ids.size(); ++i) {
    auto d = Digest::parse(ids[i]);
    if (!d.ok()) return invalid(source + ": rootfs.diff_ids[" + std::to_string(i) + "]: " + d.error().message());
    c.diff_ids.push_back(*d);
  }
  if (auto h = j.find("history"); h != j.end() && !h->is_null()) {
    if (!h->is_array()) return doc.error("history", "an array", &*h);
    for (size_t i = 0; i < h->size(); ++i) {
      const Json& e = (*h)[i];
      std::string p = "history[" + std::to_string(i) + "]";
      DL_TRY(doc.object(e, p));
      HistoryEntry he;
      DL_ASSIGN_OR_RETURN(he.created, doc.str(e, "created", p, false));
      DL_ASSIGN_OR_RETURN(he.created_by, doc.str(e, "created_by", p, false));
      DL_ASSIGN_OR_RETURN(he.author, doc.str(e, "author", p, false));
      DL_ASSIGN_OR_RETURN(he.comment, doc.str(e, "comment", p, false));
      auto el = e.find("empty_layer");
      if (el != e.end() && !el->is_null()) {
        if (!el->is_boolean()) return doc.error(p + ".empty_layer", "true or false", &*el);
        he.empty_layer = el->get<bool>();
      }
      c.history.push_back(he);
    }
  }
  static const std::set<std::string> known = {"created",    "author", "architecture", "os",     "variant",
                                              "os.version", "config", "rootfs",       "history"};
  for (auto kv = j.begin(); kv != j.end(); ++kv)
    if (!known.count(kv.key()) && !kv.value().is_null()) c.extra[kv.key()] = kv.value().dump();
  return c;
}

}  // namespace dl::image
