// dlimage tags docker://REPO: one tag per line.
#include <iostream>

#include "builder/cli/command.h"
#include "builder/cli/registry_flags.h"
#include "registry/session/session.h"

namespace dl::cli {
namespace {

struct TagsArgs {
  std::string repo;
  int page_size = 0;
  registry::SessionOptions reg;
};

Registration reg("tags", "List the tags of a registry repository (docker://REPO)", [](CLI::App& app) -> Runner {
  auto a = std::make_shared<TagsArgs>();
  app.add_option("REPO", a->repo, "docker://REPO")->required();
  app.add_option("--page-size", a->page_size, "Tags per request (n=)");
  add_registry_flags(app, a->reg);
  return [a]() {
    std::string text = a->repo;
    if (text.rfind("docker://", 0) != 0) throw Failure(invalid("'" + text + "': expected docker://REPO"));
    auto ref = get(registry::parse_reference(text.substr(9), /*default_tag=*/false));
    auto session = get(registry::Session::open(a->reg));
    for (const auto& t : get(session->client().list_tags(session->hosts().for_pull(ref), a->page_size)))
      std::cout << t << "\n";
    return 0;
  };
});

}  // namespace
}  // namespace dl::cli
