// dlimage lock: resolve every selected cell's wheels into the lock file,
// building nothing.
#include <iostream>

#include "builder/cli/build_flags.h"
#include "builder/cli/command.h"
#include "builder/cli/output_flags.h"
#include "builder/pipeline/resolve_wheels.h"

namespace dl::cli {
namespace {

Registration reg("lock", "Resolve the wheels of every selected image into the lock file, without building",
                 [](CLI::App& app) -> Runner {
                   auto o = std::make_shared<pipeline::BuildOptions>();
                   o->lock_file = "wheels.lock";
                   add_wheel_input_flags(app, *o);
                   add_upgrade_flags(app, *o);
                   app.add_option("--lock", o->lock_file, "wheel lock file to write")->capture_default_str();
                   auto out = std::make_shared<OutputOptions>();
                   out->add_to(app);
                   return [o, out] {
                     auto r = get(pipeline::lock_only(*o));
                     if (out->json) {
                       auto j = json_document("lock");
                       j.update({{"lock", o->lock_file},
                                 {"resolved", r.resolved},
                                 {"kept", r.kept},
                                 {"pruned", r.pruned},
                                 {"changed", r.changed},
                                 {"written", r.written}});
                       std::cout << j.dump(2) << "\n";
                       return 0;
                     }
                     if (out->quiet) {
                       for (auto& k : r.changed) std::cout << k << "\n";
                       return 0;
                     }
                     std::cout << o->lock_file << ": " << r.resolved << " environments resolved, " << r.kept
                               << " unchanged, " << r.pruned << " pruned; " << r.changed.size() << " changed"
                               << (r.written ? "" : " (file untouched)") << "\n";
                     for (auto& k : r.changed) std::cout << "  changed: " << k << "\n";
                     if (!r.fetch_stats.empty()) std::cout << "fetched: " << r.fetch_stats << "\n";
                     return 0;
                   };
                 });

}  // namespace
}  // namespace dl::cli
