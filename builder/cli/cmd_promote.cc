// dlimage promote: copy every tag of the matrix from one namespace or
// registry to another by digest, without rebuilding (pipeline/promote.h).
#include <iostream>

#include "base/plural.h"
#include "builder/cli/command.h"
#include "builder/cli/output_flags.h"
#include "builder/cli/registry_flags.h"
#include "builder/cli/value_checks.h"
#include "builder/pipeline/promote.h"

namespace dl::cli {
namespace {

struct PromoteArgs {
  pipeline::PromoteOptions p;
  OutputOptions out;
};

Registration reg(
    "promote", "Copy every matrix tag from one namespace or registry to another by digest, no rebuild",
    [](CLI::App& app) -> Runner {
      auto a = std::make_shared<PromoteArgs>();
      auto& o = a->p.selection;
      app.add_option("-m,--matrix", o.matrix_file, "matrix file")->capture_default_str();
      check_selection_flags(app.add_option("--filter", o.filters,
                                           "KEY=VALUE (repo framework version python accelerator isa tag); repeatable"),
                            app.add_option("--shard", o.shard, "I/N: this run's deterministic share of the matrix"),
                            nullptr);
      app.add_option("--from-registry", a->p.from_registry, "copy from HOST[:PORT] (default: the matrix's registry)");
      app.add_option("--from-namespace", a->p.from_namespace, "copy from NS/REPO (default: the matrix's namespace)");
      app.add_flag("--dry-run,-n", a->p.dry_run, "resolve and compare digests; copy nothing");
      app.add_flag("-k,--keep-going", o.keep_going, "a failed image does not stop the others; exit 1 at the end");
      add_registry_flags(app, o.registry);  // --registry/--namespace: the destination, as for build --push
      a->out.add_to(app);
      return [a] {
        auto session = get(registry::Session::open(a->p.selection.registry));
        auto r = get(pipeline::promote(a->p, *session));
        if (a->out.json) {
          std::cout << pipeline::promote_json(r);
        } else if (!a->out.quiet) {
          size_t copied = 0;
          for (auto& t : r.tags) {
            copied += !t.already;
            std::cout << (t.already      ? "  up to date  "
                          : a->p.dry_run ? "  would copy  "
                                         : "  copied      ")
                      << t.from << " -> " << t.to << "  " << t.digest << "\n";
          }
          std::cout << (a->p.dry_run ? "would copy " : "promoted ") << copied << " of "
                    << count_of(r.tags.size(), "tag") << " (" << count_of(r.blobs_copied, "blob") << " copied, "
                    << r.blobs_mounted << " mounted, " << r.blobs_existing << " already there, "
                    << count_of(r.bytes, "byte") << "); nothing was rebuilt\n";
        }
        for (auto& f : r.failures) std::cerr << "  " << f.cell << " (" << f.phase << "): " << f.error << "\n";
        return r.failures.empty() ? kExitOk : kExitFailure;
      };
    });

}  // namespace
}  // namespace dl::cli
