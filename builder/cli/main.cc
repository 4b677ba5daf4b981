// dlimage: a thin front end. Everything it does is in the dl_* libraries.
//
// Exit codes (README "Exit codes"): 0 success, 1 failure, 2 usage error
// (also a malformed flag value or environment variable), 3 verify found a
// tag that does not match what the matrix builds, 4 verify --key found a
// tag without a valid signature.
#include <iostream>
#include <map>

#include "base/strings.h"
#include "base/version.h"
#include "builder/cli/command.h"

namespace dl::cli {

std::vector<CommandDef>& commands() {
  static std::vector<CommandDef> all;
  return all;
}

std::vector<std::string>& args() {
  static std::vector<std::string> a;
  return a;
}
const std::vector<std::string>& command_line() { return args(); }

Registration::Registration(std::string name, std::string help, Setup setup) {
  commands().push_back({std::move(name), std::move(help), std::move(setup)});
}

namespace {

std::vector<std::string> long_option_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::Option* o : app.get_options())
    for (const auto& n : o->get_lnames()) names.push_back("--" + n);
  return names;
}

std::vector<std::string> subcommand_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* s : app.get_subcommands([](const CLI::App*) { return true; })) names.push_back(s->get_name());
  return names;
}

// "did you mean" for the words CLI11 could not place: an unknown flag is
// compared with the flags of the subcommand it was given to, a stray word at
// the top level with the subcommand names.
void suggest(CLI::App& app) {
  CLI::App* target = &app;
  for (CLI::App* s : app.get_subcommands()) target = s;  // the parsed one, if any
  for (const std::string& word : target->remaining(true)) {
    std::string flag = word.substr(0, word.find('='));
    std::string hint;
    if (starts_with(flag, "--"))
      hint = nearest(flag, long_option_names(*target));
    else if (target == &app)
      hint = nearest(word, subcommand_names(app));
    if (!hint.empty()) std::cerr << "dlimage: '" << flag << "': did you mean '" << hint << "'?\n";
  }
  if (target == &app && app.get_subcommands().empty() && app.remaining().empty())
    std::cerr << "dlimage: commands: " << join(subcommand_names(app), ", ") << "\n";
}

int parse_error(CLI::App& app, const CLI::ParseError& e) {
  const std::string name = e.get_name();
  if (name == "CallForHelp" || name == "CallForAllHelp" || name == "CallForVersion") return app.exit(e);
  bool stray_command = app.get_subcommands().empty() && !app.remaining().empty();
  if (stray_command)
    std::cerr << "dlimage: usage: unknown command '" << app.remaining().front() << "'\n";
  else
    std::cerr << "dlimage: usage: " << e.what() << "\n";
  suggest(app);
  std::cerr << "dlimage: run 'dlimage --help' or 'dlimage COMMAND --help'\n";
  return kExitUsage;
}

}  // namespace
}  // namespace dl::cli

namespace {

int run_cli(int argc, char** argv) {
  using namespace dl::cli;
  args().assign(argv, argv + argc);
  CLI::App app{"dlimage: build, publish and resolve deep-learning container images"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("dlimage ") + std::string(dl::dlimage_version()) + " (commit " +
                                        std::string(dl::dlimage_commit()) + ")");
  std::map<CLI::App*, Runner> runners;
  for (auto& c : commands()) {
    CLI::App* sub = app.add_subcommand(c.name, c.help);
    runners[sub] = c.setup(*sub);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return parse_error(app, e);
  }
  try {
    for (auto& [sub, run] : runners)
      if (sub->parsed()) return run();
  } catch (const Failure& f) {
    std::cerr << "dlimage: error: " << f.what() << "\n";
    return f.code();
  } catch (const std::exception& e) {
    // Library code returns errors as values; reaching this is a bug, but the
    // user still gets one line and the failure code, not a crash.
    std::cerr << "dlimage: error: " << e.what() << "\n";
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  // Building the command table can throw too (CLI11 reports a bad option
  // definition by exception); a user still gets one line, never a crash.
  try {
    return run_cli(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "dlimage: error: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "dlimage: error: unexpected failure\n";
  }
  return dl::cli::kExitFailure;
}
