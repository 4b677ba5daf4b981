// dlimage verify: every tag of the (selected) matrix exists in the registry
// and points at the digest its cell builds. The build runs first, from the
// layer cache, so it costs no compression when nothing changed.
#include <iostream>

#include "builder/cli/command.h"
#include "builder/cli/registry_flags.h"
#include "builder/copy/session.h"
#include "builder/pipeline/build.h"
#include "builder/pipeline/push.h"

namespace dl::cli {
namespace {

Registration reg("verify", "Check that every tag in the registry points at the digest its cell builds",
                 [](CLI::App& app) -> Runner {
  auto o = std::make_shared<pipeline::BuildOptions>();
  auto r = std::make_shared<copy::RegistryOptions>();
  auto format = std::make_shared<std::string>("docker");
  app.add_option("-m,--matrix", o->matrix_file, "matrix file")->capture_default_str();
  app.add_option("--recipes", o->recipes_dir, "recipes directory");
  app.add_option("--filter", o->filters, "KEY=VALUE; repeatable");
  app.add_option("--shard", o->shard, "I/N");
  app.add_option("--output,-o", o->output_layout, "oci:DIR used as the build cache")->required();
  app.add_option("--base", o->base_layouts, "oci:DIR with base images; repeatable");
  app.add_option("--wheels", o->wheel_dirs, "wheelhouse DIR; repeatable");
  app.add_option("--index", o->index_urls, "PEP 503 index URL; repeatable");
  app.add_option("--artifacts", o->artifacts, "base for relative artifact URLs");
  app.add_option("--cache", o->cache_dir, "download cache");
  app.add_option("--lock", o->lock_file, "wheel lock");
  app.add_flag("--no-catalog", [o](std::int64_t) { o->use_catalog = false; }, "ignore the recipes' URL catalogs");
  app.add_option("--manifest-format", *format, "docker|oci, as pushed")->check(CLI::IsMember({"docker", "oci"}));
  app.add_option("--source-date-epoch", o->source_date_epoch, "as given to build");
  add_registry_flags(app, *r);
  return [o, r, format] {
    o->format = get(image::parse_format(*format));
    auto report = get(pipeline::build(*o));
    auto session = get(copy::Session::open(*r));
    auto problems = get(pipeline::verify_cells(report.cells, session->client()));
    size_t tags = 0;
    for (auto& c : report.cells) tags += c.cell.tags.size();
    for (auto& p : problems)
      std::cout << p.ref << ": " << (p.got.empty() ? "missing" : "points at " + p.got) << ", expected " << p.want
                << "\n";
    std::cout << (tags - problems.size()) << "/" << tags << " tags verified\n";
    return problems.empty() ? 0 : 1;
  };
});

}  // namespace
}  // namespace dl::cli
