// dlimage verify: every tag of the (selected) matrix exists in the registry
// and points at the digest its cell builds. The build runs first, from the
// layer cache, so it costs no compression when nothing changed; it never
// writes the lock.
#include <iostream>

#include "builder/cli/build_flags.h"
#include "builder/cli/command.h"
#include "builder/cli/registry_flags.h"
#include "builder/pipeline/release.h"

namespace dl::cli {
namespace {

Registration reg("verify", "Check that every tag in the registry points at the digest its cell builds",
                 [](CLI::App& app) -> Runner {
  auto r = std::make_shared<pipeline::ReleaseOptions>();
  auto format = std::make_shared<std::string>("oci");
  add_build_input_flags(app, r->build);
  app.add_option("--manifest-format", *format, "oci|docker, as pushed (default oci)")->check(CLI::IsMember({"docker", "oci"}));
  add_registry_flags(app, r->build.registry);
  return [r, format] {
    check(apply_build_environment(r->build));
    r->build.format = get(image::parse_format(*format));
    r->build.write_lock = false;
    r->verify = true;
    auto report = get(pipeline::release(*r));
    for (auto& p : *report.problems)
      std::cout << p.ref << ": " << (p.got.empty() ? "missing" : "points at " + p.got) << ", expected " << p.want
                << "\n";
    std::cout << (report.tags - report.problems->size()) << "/" << report.tags << " tags verified\n";
    return report.problems->empty() ? kExitOk : kExitMismatch;
  };
});

}  // namespace
}  // namespace dl::cli
