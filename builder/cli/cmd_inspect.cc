// dlimage inspect REF: the manifest's digest, media type and size, and the
// image's attestations (SBOM, provenance) found in BuildKit's index or
// through the referrers tag. REF is docker://REF or oci:DIR[:TAG].
// --raw prints the manifest itself; --sbom / --provenance print that
// predicate (the SPDX document, the SLSA provenance) as JSON.
#include <iostream>

#include <nlohmann/json.hpp>

#include "builder/attest/attach.h"
#include "builder/attest/statement.h"
#include "builder/cli/command.h"
#include "builder/cli/output_flags.h"
#include "builder/cli/registry_flags.h"
#include "builder/copy/copy.h"
#include "registry/session/session.h"

namespace dl::cli {
namespace {

struct InspectArgs {
  std::string ref;
  bool raw = false, sbom = false, provenance = false;
  registry::SessionOptions reg;
  OutputOptions out;
};

// One line about an attestation: what it is and what it says.
std::string summary(const attest::Found& f) {
  auto st = attest::parse_statement(f.statement, f.where);
  if (!st.ok()) return st.error().message();
  const auto& p = st->predicate;
  if (f.predicate_type == attest::kSpdxPredicate && p.contains("packages") && p["packages"].is_array()) {
    int debs = 0, wheels = 0, artifacts = 0, bases = 0;
    for (auto& pkg : p["packages"]) {
      std::string id = pkg.is_object() ? pkg.value("SPDXID", "") : "";
      debs += id.rfind("SPDXRef-Deb-", 0) == 0;
      wheels += id.rfind("SPDXRef-Wheel-", 0) == 0;
      artifacts += id.rfind("SPDXRef-Artifact-", 0) == 0;
      bases += id.rfind("SPDXRef-Base-", 0) == 0;
    }
    return "SPDX " + p.value("spdxVersion", "?") + ": " + std::to_string(bases) + " base image, " +
           std::to_string(debs) + " OS packages, " + std::to_string(wheels) + " wheels, " + std::to_string(artifacts) +
           " artifacts";
  }
  if (f.predicate_type == attest::kSlsaPredicate) {
    auto get = [&](const nlohmann::json::json_pointer& ptr) {
      return p.contains(ptr) && p[ptr].is_string() ? p[ptr].get<std::string>() : std::string("?");
    };
    using P = nlohmann::json::json_pointer;
    return "SLSA provenance v1: dlimage " + get(P("/runDetails/builder/version/dlimage")) + ", cell " +
           get(P("/buildDefinition/externalParameters/cell/reference")) + " of " +
           get(P("/buildDefinition/externalParameters/matrix/file")) + ", revision " +
           get(P("/buildDefinition/externalParameters/source/revision"));
  }
  return f.predicate_type;
}

Registration reg("inspect", "Show the digest, media type and attestations (SBOM, provenance) of REF",
                 [](CLI::App& app) -> Runner {
                   auto a = std::make_shared<InspectArgs>();
                   app.add_option("REF", a->ref, "docker://REF or oci:DIR[:TAG]")->required();
                   app.add_flag("--raw", a->raw, "Print the manifest bytes");
                   app.add_flag("--sbom", a->sbom, "Print the SPDX SBOM (JSON)");
                   app.add_flag("--provenance", a->provenance, "Print the SLSA provenance (JSON)");
                   add_registry_flags(app, a->reg);
                   a->out.add_to(app);
                   return [a]() {
                     auto ep = get(copy::parse_endpoint(a->ref));
                     auto session = get(registry::Session::open(a->reg));
                     auto store = get(copy::open_store(*session, ep, /*destination=*/false));
                     std::string in_store = copy::ref_in_store(ep);
                     if (a->raw) {
                       std::cout << get(store->get_manifest(in_store)).bytes;
                       return 0;
                     }
                     auto info = get(store->head_manifest(in_store));
                     auto found = get(attest::read_attestations(*store, in_store));
                     if (a->sbom || a->provenance) {
                       std::string want(a->sbom ? attest::kSpdxPredicate : attest::kSlsaPredicate);
                       for (auto& f : found)
                         if (f.predicate_type == want) {
                           auto st = get(attest::parse_statement(f.statement, f.where));
                           std::cout << st.predicate.dump(2) << "\n";
                           return 0;
                         }
                       throw Failure(not_found(ep.text + ": no " + want + " attestation (built with --no-attest?)"));
                     }
                     if (a->out.json) {
                       auto j = json_document("inspect");
                       j.update({{"reference", ep.text},
                                 {"digest", info.digest.str()},
                                 {"media_type", info.media_type},
                                 {"size", info.size}});
                       j["attestations"] = nlohmann::ordered_json::array();
                       for (auto& f : found)
                         j["attestations"].push_back(
                             {{"predicate_type", f.predicate_type}, {"where", f.where}, {"summary", summary(f)}});
                       std::cout << j.dump(2) << "\n";
                       return 0;
                     }
                     if (a->out.quiet) {
                       std::cout << info.digest.str() << "\n";
                       return 0;
                     }
                     std::cout << "reference: " << ep.text << "\n"
                               << "digest: " << info.digest.str() << "\n"
                               << "media type: " << info.media_type << "\n"
                               << "size: " << info.size << "\n"
                               << "attestations: " << (found.empty() ? "none" : std::to_string(found.size())) << "\n";
                     for (auto& f : found) std::cout << "  " << summary(f) << "\n    (" << f.where << ")\n";
                     return 0;
                   };
                 });

}  // namespace
}  // namespace dl::cli
