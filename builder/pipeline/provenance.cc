#include "builder/pipeline/provenance.h"

#include <nlohmann/json.hpp>

#include "base/sha256.h"

namespace dl::pipeline {

std::string recipe_fingerprint(const recipe::Recipe& r) {
  nlohmann::ordered_json j;
  j["wheels"] = nlohmann::ordered_json::array();
  for (auto& w : r.wheels) j["wheels"].push_back({w.requirement, w.variant, w.layer});
  j["artifacts"] = nlohmann::ordered_json::array();
  for (auto& a : r.artifacts) j["artifacts"].push_back({a.url, a.sha256, a.dest, a.strip});
  j["files"] = nlohmann::ordered_json::array();
  for (auto& f : r.files) j["files"].push_back({f.src, f.content, f.dest, f.mode});
  j["env"] = r.env;
  j["labels"] = r.labels;
  j["ports"] = r.ports;
  j["cmd"] = r.cmd;
  j["entrypoint"] = r.entrypoint;
  j["workdir"] = r.workdir;
  j["apt"] = nlohmann::ordered_json::array();
  for (auto& p : r.apt.packages) j["apt"].push_back({p.name, p.arch, p.version});
  return Digest::of(j.dump()).str();
}

namespace {

wheel::Lock entries_of(const wheel::Lock& lock, const std::string& cell_ref, const std::vector<std::string>& pythons) {
  wheel::Lock mine;
  for (auto& py : pythons) {
    auto key = wheel::lock_key(cell_ref, py);
    if (auto it = lock.environments.find(key); it != lock.environments.end()) mine.environments[key] = it->second;
  }
  // The image's OS-package entry too (builder/apt/lock.h): a new .deb is a
  // changed lock for this image.
  auto apt = nlohmann::json::parse(lock.apt, nullptr, false);
  if (apt.is_object() && apt.contains(cell_ref)) mine.apt = nlohmann::json{{cell_ref, apt[cell_ref]}}.dump();
  return mine;
}

}  // namespace

LockFingerprint lock_fingerprint(const wheel::Lock& lock, const std::string& cell_ref,
                                 const std::vector<std::string>& pythons) {
  auto mine = entries_of(lock, cell_ref, pythons);
  return {Digest::of(wheel::lock_to_json(mine)), mine.environments.empty() && mine.apt == "{}"};
}

}  // namespace dl::pipeline
