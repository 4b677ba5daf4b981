#include "builder/attest/statement.h"

#include "base/json_limits.h"

namespace dl::attest {

using nlohmann::json;

std::string serialize(const Statement& s) {
  json subjects = json::array();
  for (auto& sub : s.subjects)
    subjects.push_back({{"name", sub.name}, {"digest", {{sub.digest.algorithm, sub.digest.hex}}}});
  json j = {{"_type", kStatementType},
            {"subject", subjects},
            {"predicateType", s.predicate_type},
            {"predicate", s.predicate}};
  return j.dump();
}

Result<Statement> parse_statement(std::string_view bytes, const std::string& what) {
  DL_TRY(check_json_limits(bytes, what, {16u << 20, 64}));
  auto j = json::parse(bytes, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return invalid(what + ": not a JSON object");
  if (j.value("_type", "") != kStatementType) return invalid(what + ": _type is not " + std::string(kStatementType));
  if (!j.contains("predicateType") || !j["predicateType"].is_string()) return invalid(what + ": no predicateType");
  if (!j.contains("subject") || !j["subject"].is_array()) return invalid(what + ": no subject");
  Statement s;
  s.predicate_type = j["predicateType"].get<std::string>();
  for (auto& sub : j["subject"]) {
    if (!sub.is_object() || !sub.contains("digest") || !sub["digest"].is_object())
      return invalid(what + ": subject without digest");
    Subject out{sub.value("name", ""), {}};
    if (sub["digest"].contains("sha256") && sub["digest"]["sha256"].is_string()) {
      auto d = Digest::parse("sha256:" + sub["digest"]["sha256"].get<std::string>());
      if (!d.ok()) return invalid(what + ": subject digest: " + d.error().message());
      out.digest = *d;
    }
    s.subjects.push_back(out);
  }
  s.predicate = j.contains("predicate") ? j["predicate"] : json::object();
  return s;
}

std::string docker_purl(const std::string& reference, const std::string& os, const std::string& arch) {
  return "pkg:docker/" + reference + "?platform=" + os + "%2F" + arch;
}

}  // namespace dl::attest
