// dlimage matrix: expand matrix.yaml into cells, filtered and sharded.
#include <iostream>

#include "builder/cli/command.h"
#include "builder/cli/matrix_options.h"
#include "builder/cli/output_flags.h"
#include "builder/matrix/format.h"

namespace dl::cli {
namespace {

Registration reg("matrix", "Expand matrix.yaml into images and tags", [](CLI::App& app) -> Runner {
  auto opts = std::make_shared<MatrixOptions>();
  auto format = std::make_shared<std::string>("table");
  auto shards = std::make_shared<unsigned>(0);
  auto out = std::make_shared<OutputOptions>();
  opts->add_to(app);
  out->add_to(app);
  app.add_option("--format", *format, "table|tags|json|github|bases")
      ->check(CLI::IsMember({"table", "tags", "json", "github", "bases"}));
  app.add_option("--shards", *shards, "with --format github: one job per shard instead of per image");
  return [=] {
    if (*shards > 0) {
      if (*format != "github") throw Failure(invalid("--shards N only applies to --format github"));
      std::cout << matrix::format_github_shards(*shards);
      return 0;
    }
    auto cells = opts->select();
    if (out->json) {  // --format json's array, in the versioned document
      auto doc = json_document("matrix");
      doc["images"] = nlohmann::ordered_json::parse(matrix::format_json(cells));
      std::cout << doc.dump(2) << "\n";
      return 0;
    }
    if (out->quiet) *format = "tags";
    if (*format == "table") std::cout << matrix::format_table(cells);
    if (*format == "tags") std::cout << matrix::format_tags(cells);
    if (*format == "json") std::cout << matrix::format_json(cells);
    if (*format == "github") std::cout << matrix::format_github(cells);
    if (*format == "bases") std::cout << matrix::format_bases(cells);
    return 0;
  };
});

}  // namespace
}  // namespace dl::cli
