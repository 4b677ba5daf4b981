// dlimage hub describe: each selected repository's Docker Hub short
// description and README from the files the matrix names
// (pipeline/hub_pages.h, registry/hub/hub.h).
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "builder/cli/command.h"
#include "builder/cli/output_flags.h"
#include "builder/cli/value_checks.h"
#include "builder/pipeline/hub_pages.h"
#include "registry/auth/login.h"
#include "registry/session/session.h"

namespace dl::cli {
namespace {

struct HubArgs {
  pipeline::BuildOptions sel;
  std::string api = "https://hub.docker.com", username;
  bool token_stdin = false, dry_run = false;
  OutputOptions out;
};

Registration reg("hub", "Docker Hub repository pages (hub describe)", [](CLI::App& app) -> Runner {
  auto a = std::make_shared<HubArgs>();
  app.require_subcommand(1);
  CLI::App* d =
      app.add_subcommand("describe", "Set each repository's short description and README from the matrix's hub: files");
  d->add_option("-m,--matrix", a->sel.matrix_file, "matrix file")->capture_default_str();
  check_selection_flags(d->add_option("--filter", a->sel.filters, "KEY=VALUE; repeatable"), nullptr, nullptr);
  d->add_option("--namespace", a->sel.registry.push_namespace, "describe NS/REPO instead of the matrix's namespace");
  d->add_option("-u,--username", a->username, "Docker Hub user (default $DOCKERHUB_USERNAME)");
  d->add_flag("--token-stdin", a->token_stdin, "read the personal access token from stdin (default $DOCKERHUB_TOKEN)");
  d->add_option("--hub-url", a->api, "Docker Hub API base URL")->capture_default_str();
  d->add_flag("--dry-run,-n", a->dry_run, "check the files against Docker Hub's limits; send nothing");
  d->add_option("--ca-file", a->sel.registry.ca_file, "Trust this CA certificate (PEM)");
  a->out.add_to(*d);
  return [a] {
    auto pages = get(pipeline::hub_pages(a->sel));
    if (!a->dry_run) {
      if (a->username.empty())
        if (const char* u = std::getenv("DOCKERHUB_USERNAME")) a->username = u;
      std::string token;
      if (a->token_stdin)
        token = get(registry::read_password(stdin));
      else if (const char* t = std::getenv("DOCKERHUB_TOKEN"))
        token = t;
      if (a->username.empty() || token.empty())
        throw Failure(invalid("hub describe: expected -u USER (or $DOCKERHUB_USERNAME) and a personal access token "
                              "from --token-stdin (or $DOCKERHUB_TOKEN)"),
                      kExitUsage);
      net::HttpClient http(registry::transport_options(a->sel.registry));
      hub::HubClient client(http, a->api);
      check(client.login(a->username, token));
      for (auto& p : pages) check(client.describe(p));
    }
    if (a->out.json) {
      auto j = json_document("hub.describe");
      j["dry_run"] = a->dry_run;
      j["repositories"] = nlohmann::ordered_json::array();
      for (auto& p : pages)
        j["repositories"].push_back(
            {{"repository", p.repository}, {"description", p.description}, {"readme_bytes", p.readme.size()}});
      std::cout << j.dump(2) << "\n";
    } else if (!a->out.quiet) {
      for (auto& p : pages)
        std::cout << (a->dry_run ? "would describe " : "described ") << p.repository << ": \"" << p.description
                  << "\", README " << p.readme.size() << " bytes\n";
    }
    return kExitOk;
  };
});

}  // namespace
}  // namespace dl::cli
