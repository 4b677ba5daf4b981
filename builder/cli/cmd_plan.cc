// dlimage plan: what `build --push` would build and push, and why, checked
// against the registry without building (pipeline/plan.h).
// dlimage diff A B: two layouts or two locks, cell by cell (pipeline/diff.h).
#include <iostream>

#include "builder/cli/build_flags.h"
#include "builder/cli/command.h"
#include "builder/cli/output_flags.h"
#include "builder/cli/registry_flags.h"
#include "builder/pipeline/diff.h"
#include "builder/pipeline/plan.h"

namespace dl::cli {
namespace {

struct PlanArgs {
  pipeline::BuildOptions o;
  OutputOptions out;
};

Registration plan_reg("plan", "Say what build --push would build and push, and why, without building",
                      [](CLI::App& app) -> Runner {
                        auto a = std::make_shared<PlanArgs>();
                        add_wheel_input_flags(app, a->o);
                        app.add_option("--base", a->o.base_layouts,
                                       "oci:DIR holding base images under their references; repeatable");
                        app.add_option("--lock", a->o.lock_file, "the wheel lock the build would use");
                        add_registry_flags(app, a->o.registry);
                        a->out.add_to(app);
                        return [a] {
                          registry::LazySession session(a->o.registry);
                          auto p = get(pipeline::plan_release(a->o, session));
                          if (a->out.json)
                            std::cout << pipeline::plan_json(p);
                          else if (a->out.quiet)
                            for (auto& c : p.cells) {
                              if (!c.up_to_date()) std::cout << c.ref << "\n";
                            }
                          else
                            std::cout << pipeline::format_plan(p);
                          return kExitOk;
                        };
                      });

struct DiffArgs {
  std::string a, b;
  OutputOptions out;
};

Registration diff_reg("diff", "Compare two OCI layouts or two lock files cell by cell", [](CLI::App& app) -> Runner {
  auto a = std::make_shared<DiffArgs>();
  app.add_option("A", a->a, "oci:DIR or a lock file")->required();
  app.add_option("B", a->b, "oci:DIR or a lock file")->required();
  a->out.add_to(app);
  return [a] {
    auto d = get(pipeline::diff_release(a->a, a->b));
    if (a->out.json)
      std::cout << pipeline::diff_json(d);
    else if (a->out.quiet)
      for (auto& e : d.entries) std::cout << e.key << "\n";
    else
      std::cout << pipeline::format_diff(d);
    // As diff(1): 0 the same, 1 different (errors exit 1 too, with a message).
    return d.entries.empty() ? kExitOk : kExitFailure;
  };
});

}  // namespace
}  // namespace dl::cli
