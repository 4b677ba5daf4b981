// dlimage lock: resolve every selected cell's wheels into the lock file,
// pin its base by digest and its remote artifacts by sha256, building
// nothing.
#include <iostream>

#include "base/plural.h"
#include "builder/cli/build_flags.h"
#include "builder/cli/command.h"
#include "builder/cli/output_flags.h"
#include "builder/cli/registry_flags.h"
#include "builder/pipeline/resolve_wheels.h"

namespace dl::cli {
namespace {

Registration reg("lock", "Resolve every selected image's wheels and pin its base and artifacts, without building",
                 [](CLI::App& app) -> Runner {
                   auto o = std::make_shared<pipeline::BuildOptions>();
                   o->lock_file = "wheels.lock";
                   add_wheel_input_flags(app, *o);
                   add_upgrade_flags(app, *o);
                   app.add_option("--lock", o->lock_file, "lock file to write")->capture_default_str();
                   app.add_option("--base", o->base_layouts,
                                  "oci:DIR holding base images under their references (else their registry); "
                                  "repeatable");
                   app.add_option("--artifacts", o->artifacts,
                                  "DIR or URL that relative artifact URLs resolve against");
                   add_registry_flags(app, o->registry);
                   auto out = std::make_shared<OutputOptions>();
                   out->add_to(app);
                   return [o, out] {
                     registry::LazySession session(o->registry);
                     auto r = get(pipeline::lock_only(*o, session));
                     if (out->json) {
                       auto j = json_document("lock");
                       j.update({{"lock", o->lock_file},
                                 {"resolved", r.resolved},
                                 {"kept", r.kept},
                                 {"pruned", r.pruned},
                                 {"changed", r.changed},
                                 {"pinned", r.pinned},
                                 {"written", r.written}});
                       std::cout << j.dump(2) << "\n";
                       return 0;
                     }
                     if (out->quiet) {
                       for (auto& k : r.changed) std::cout << k << "\n";
                       for (auto& k : r.pinned) std::cout << k << "\n";
                       return 0;
                     }
                     std::cout << o->lock_file << ": " << count_of(r.resolved, "environment") << " resolved, " << r.kept
                               << " unchanged, " << r.pruned << " pruned; " << r.changed.size() << " changed, "
                               << r.pinned.size() << " pinned" << (r.written ? "" : " (file untouched)") << "\n";
                     for (auto& k : r.changed) std::cout << "  changed: " << k << "\n";
                     for (auto& k : r.pinned) std::cout << "  pinned: " << k << "\n";
                     if (!r.fetch_stats.empty()) std::cout << "fetched: " << r.fetch_stats << "\n";
                     return 0;
                   };
                 });

}  // namespace
}  // namespace dl::cli
