// dlimage: a thin front end. Everything it does is in the dl_* libraries.
#include <iostream>
#include <map>

#include "builder/cli/command.h"

namespace dl::cli {

std::vector<CommandDef>& commands() {
  static std::vector<CommandDef> all;
  return all;
}

Registration::Registration(std::string name, std::string help, Setup setup) {
  commands().push_back({std::move(name), std::move(help), std::move(setup)});
}

}  // namespace dl::cli

int main(int argc, char** argv) {
  CLI::App app{"dlimage: build, publish and resolve deep-learning container images"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "dlimage 0.1.0");
  std::map<CLI::App*, dl::cli::Runner> runners;
  for (auto& c : dl::cli::commands()) {
    CLI::App* sub = app.add_subcommand(c.name, c.help);
    runners[sub] = c.setup(*sub);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    for (auto& [sub, run] : runners)
      if (sub->parsed()) return run();
  } catch (const dl::cli::Failure& f) {
    std::cerr << "dlimage: error: " << f.what() << "\n";
    return f.code();
  } catch (const std::exception& e) {
    std::cerr << "dlimage: internal error: " << e.what() << "\n";
    return 3;
  }
  return 0;
}
