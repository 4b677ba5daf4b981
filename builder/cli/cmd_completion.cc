// dlimage completion bash|zsh|fish, dlimage man: generated from the CLI
// definitions themselves (cli_docs.h).
#include <iostream>

#include "base/version.h"
#include "builder/cli/cli_docs.h"
#include "builder/cli/command.h"

namespace dl::cli {
namespace {

const CLI::App& root_of(const CLI::App& app) {
  const CLI::App* a = &app;
  while (a->get_parent() != nullptr) a = a->get_parent();
  return *a;
}

Registration completion(
    "completion", "Print a shell completion script (bash, zsh or fish)", [](CLI::App& app) -> Runner {
      auto shell = std::make_shared<std::string>();
      app.add_option("SHELL", *shell, "bash, zsh or fish")->required()->check(CLI::IsMember({"bash", "zsh", "fish"}));
      return [shell, &app] {
        CommandDoc doc = describe(root_of(app));
        if (*shell == "bash") std::cout << bash_completion(doc);
        if (*shell == "zsh") std::cout << zsh_completion(doc);
        if (*shell == "fish") std::cout << fish_completion(doc);
        return kExitOk;
      };
    });

Registration man("man", "Print the dlimage(1) man page (roff; view with: dlimage man | man -l -)",
                 [](CLI::App& app) -> Runner {
                   return [&app] {
                     std::cout << man_page(describe(root_of(app)), std::string(dlimage_version()));
                     return kExitOk;
                   };
                 });

}  // namespace
}  // namespace dl::cli
