// dlimage verify: every tag of the (selected) matrix exists in the registry
// and points at the digest its cell builds. The build runs first, from the
// layer cache, so it costs no compression when nothing changed.
#include <iostream>

#include "builder/cli/build_flags.h"
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
  auto format = std::make_shared<std::string>("oci");
  add_build_input_flags(app, *o);
  app.add_option("--manifest-format", *format, "oci|docker, as pushed (default oci)")->check(CLI::IsMember({"docker", "oci"}));
  add_registry_flags(app, *r);
  return [o, r, format] {
    check(apply_build_environment(*o));
    o->format = get(image::parse_format(*format));
    o->registry = *r;
    auto report = get(pipeline::build(*o));
    auto session = get(copy::Session::open(*r));
    auto problems = get(pipeline::verify_cells(report.cells, session->client()));
    size_t tags = 0;
    for (auto& c : report.cells) tags += c.cell.tags.size();
    for (auto& p : problems)
      std::cout << p.ref << ": " << (p.got.empty() ? "missing" : "points at " + p.got) << ", expected " << p.want
                << "\n";
    std::cout << (tags - problems.size()) << "/" << tags << " tags verified\n";
    return problems.empty() ? kExitOk : kExitMismatch;
  };
});

}  // namespace
}  // namespace dl::cli
