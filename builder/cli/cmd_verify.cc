// dlimage verify: every tag of the (selected) matrix exists in the registry
// and points at the digest its cell builds. The build runs first, from the
// layer cache, so it costs no compression when nothing changed; it never
// writes the lock. With --key, every tag's cosign signature is checked too
// (exit 4 when a digest is right but its signature is missing or wrong).
#include <iostream>
#include <set>

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
  app.add_option("--key", r->verify_key, "cosign.pub: also check every tag's cosign signature")->check(CLI::ExistingFile);
  add_registry_flags(app, r->build.registry);
  return [r, format] {
    check(apply_build_environment(r->build));
    r->build.format = get(image::parse_format(*format));
    r->build.lock_read_only = true;  // verify checks; it never changes the lock
    r->verify = true;
    auto report = get(pipeline::release(*r));
    std::set<std::string> bad;
    for (auto& p : *report.problems) {
      bad.insert(p.ref);
      if (!p.blob.empty())
        std::cout << p.ref << ": points at " << p.got << " but blob " << p.blob << "\n";
      else
        std::cout << p.ref << ": " << (p.got.empty() ? "missing" : "points at " + p.got) << ", expected " << p.want
                  << "\n";
    }
    std::cout << (report.tags - bad.size()) << "/" << report.tags << " tags verified\n";
    if (!report.problems->empty()) return kExitMismatch;
    if (const auto& sp = report.signature_problems) {
      for (auto& p : *sp) std::cout << p.ref << ": signature: " << p.problem << "\n";
      std::cout << (report.tags - sp->size()) << "/" << report.tags << " signatures verified\n";
      if (!sp->empty()) return kExitUnsigned;
    }
    return kExitOk;
  };
});

}  // namespace
}  // namespace dl::cli
