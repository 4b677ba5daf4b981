// dlimage completion bash|zsh|fish, dlimage man: generated from the CLI
// definitions themselves (cli_docs.h).
#include <iostream>

#include "base/version.h"
#include "builder/cli/cli_docs.h"
#include "builder/cli/command.h"
#include "builder/cli/output_flags.h"

namespace dl::cli {
namespace {

// A generated text as is, or with --json inside {"schema", "kind", ..., "text"}.
void print_text(const OutputOptions& out, const std::string& kind,
                const std::vector<std::pair<std::string, std::string>>& fields, const std::string& text) {
  if (!out.json) {
    std::cout << text;
    return;
  }
  auto j = json_document(kind);
  for (auto& [k, v] : fields) j[k] = v;
  j["text"] = text;
  std::cout << j.dump(2) << "\n";
}

const CLI::App& root_of(const CLI::App& app) {
  const CLI::App* a = &app;
  while (a->get_parent() != nullptr) a = a->get_parent();
  return *a;
}

Registration completion(
    "completion", "Print a shell completion script (bash, zsh or fish)", [](CLI::App& app) -> Runner {
      auto shell = std::make_shared<std::string>();
      auto out = std::make_shared<OutputOptions>();
      app.add_option("SHELL", *shell, "bash, zsh or fish")->required()->check(CLI::IsMember({"bash", "zsh", "fish"}));
      out->add_to(app);  // -q: the script is all there is to print
      return [shell, out, &app] {
        CommandDoc doc = describe(root_of(app));
        std::string script = *shell == "bash"  ? bash_completion(doc)
                             : *shell == "zsh" ? zsh_completion(doc)
                                               : fish_completion(doc);
        print_text(*out, "completion", {{"shell", *shell}}, script);
        return kExitOk;
      };
    });

Registration man("man", "Print the dlimage(1) man page (roff; view with: dlimage man | man -l -)",
                 [](CLI::App& app) -> Runner {
                   auto out = std::make_shared<OutputOptions>();
                   out->add_to(app);
                   return [out, &app] {
                     print_text(*out, "man", {}, man_page(describe(root_of(app)), std::string(dlimage_version())));
                     return kExitOk;
                   };
                 });

}  // namespace
}  // namespace dl::cli
