// dlimage inspect docker://REF: the manifest's digest, media type and size
// (HEAD only; --raw prints the manifest itself).
#include <iostream>

#include "builder/cli/command.h"
#include "builder/cli/registry_flags.h"
#include "registry/session/session.h"

namespace dl::cli {
namespace {

struct InspectArgs {
  std::string ref;
  bool raw = false;
  registry::SessionOptions reg;
};

Registration reg("inspect", "Show the manifest digest and media type of docker://REF", [](CLI::App& app) -> Runner {
  auto a = std::make_shared<InspectArgs>();
  app.add_option("REF", a->ref, "docker://REF")->required();
  app.add_flag("--raw", a->raw, "Print the manifest bytes");
  add_registry_flags(app, a->reg);
  return [a]() {
    if (a->ref.rfind("docker://", 0) != 0) throw Failure(invalid("'" + a->ref + "': expected docker://REF"));
    auto ref = get(registry::parse_reference(a->ref.substr(9)));
    auto session = get(registry::Session::open(a->reg));
    auto pull = session->hosts().for_pull(ref);
    if (a->raw) {
      std::cout << get(session->client().get_manifest(pull)).bytes;
      return 0;
    }
    auto info = get(session->client().head_manifest(pull));
    std::cout << "reference: " << ref.str() << "\n"
              << "digest: " << info.digest.str() << "\n"
              << "media type: " << info.media_type << "\n"
              << "size: " << info.size << "\n";
    return 0;
  };
});

}  // namespace
}  // namespace dl::cli
