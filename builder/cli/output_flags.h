// The output options every command shares, as docker and crane users expect
// them: --json (a document with a "schema" field and full digests, on
// stdout), -q/--quiet (only what a script needs: digests or nothing),
// --progress auto|tty|plain|none (auto: a live line on a terminal unless
// TERM=dumb, plain lines otherwise) and --no-trunc (full digests in tables).
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <unistd.h>
#include <cstdlib>
#include <string>

#include "builder/cli/progress.h"

namespace dl::cli {

// The version of every --json document; bumped when a field changes meaning.
inline constexpr int kJsonSchema = 1;

// The head of every --json document: {"schema": 1, "kind": "dlimage.KIND"}.
inline nlohmann::ordered_json json_document(const std::string& kind) {
  return {{"schema", kJsonSchema}, {"kind", "dlimage." + kind}};
}

struct OutputOptions {
  bool json = false, quiet = false, no_trunc = false;
  std::string progress = "auto";

  // `progress_flag`: the command has long steps worth a progress display.
  void add_to(CLI::App& app, bool progress_flag = false, bool table = false) {
    app.add_flag("--json", json, "print the result as JSON (with a \"schema\" version field, full digests)");
    app.add_flag("-q,--quiet", quiet, "print only what a script needs (digests, references), no progress");
    if (progress_flag)
      app.add_option("--progress", progress, "auto|tty|plain|none (auto: tty on a terminal unless TERM=dumb)")
          ->check(CLI::IsMember({"auto", "tty", "plain", "none"}));
    if (table) app.add_flag("--no-trunc", no_trunc, "show full digests in the summary table");
  }

  ProgressMode mode() const {
    if (quiet || json || progress == "none") return ProgressMode::none;
    if (progress == "tty") return ProgressMode::live;
    if (progress == "plain") return ProgressMode::plain;
    const char* term = std::getenv("TERM");
    bool dumb = term && std::string(term) == "dumb";
    return ::isatty(STDERR_FILENO) && !dumb ? ProgressMode::live : ProgressMode::plain;
  }
};

}  // namespace dl::cli
