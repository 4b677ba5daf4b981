// Shell completion scripts and the man page, generated from the CLI's own
// definitions (the CLI11 App tree), so they can never disagree with the
// flags dlimage really accepts.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace dl::cli {

// One flag or positional as the generators see it.
struct FlagDoc {
  std::vector<std::string> names;  // "--push", "-q"; empty for positionals
  std::string positional;          // "SRC" for positionals
  std::string help;
  std::string value;  // "FILE", "N", ... ; "" for switches
};

struct CommandDoc {
  std::string path;  // "build", "wheel install"
  std::string help;
  std::vector<FlagDoc> flags;
  std::vector<CommandDoc> children;
};

CommandDoc describe(const CLI::App& root);

std::string bash_completion(const CommandDoc& root);
std::string zsh_completion(const CommandDoc& root);
std::string fish_completion(const CommandDoc& root);
// man(7) roff for dlimage(1), including the exit codes.
std::string man_page(const CommandDoc& root, const std::string& version);

}  // namespace dl::cli
