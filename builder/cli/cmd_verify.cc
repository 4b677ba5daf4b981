// dlimage verify: every tag of the (selected) matrix exists in the registry
// and points at the digest its cell builds. The build runs first, from the
// layer cache, so it costs no compression when nothing changed; it never
// writes the lock. With --results FILE... it rebuilds nothing: the tags and
// digests come from the results files of `dlimage build --json` (a CI
// workflow's shard artifacts). With --key, every tag's cosign signature is
// checked too (exit 4 when the digests are right but a signature is missing
// or wrong).
#include <iostream>
#include <set>

#include <nlohmann/json.hpp>

#include "builder/cli/build_flags.h"
#include "builder/cli/command.h"
#include "builder/cli/output_flags.h"
#include "builder/cli/registry_flags.h"
#include "builder/pipeline/release.h"
#include "builder/pipeline/results.h"
#include "builder/pipeline/sign_cells.h"
#include "builder/sign/key.h"

namespace dl::cli {
namespace {

struct VerifyArgs {
  pipeline::ReleaseOptions r;
  std::string format = "oci";
  std::vector<std::string> results;
  OutputOptions out;
};

int print(const std::vector<pipeline::VerifyProblem>& problems, size_t tags, const OutputOptions& out) {
  std::set<std::string> bad;
  for (auto& p : problems) bad.insert(p.ref);
  if (out.json) {
    nlohmann::ordered_json j{{"schema", kJsonSchema},
                             {"kind", "dlimage.verify"},
                             {"tags", tags},
                             {"verified", tags - bad.size()},
                             {"problems", nlohmann::ordered_json::array()}};
    for (auto& p : problems)
      j["problems"].push_back({{"ref", p.ref}, {"want", p.want}, {"got", p.got}, {"blob", p.blob}});
    std::cout << j.dump(2) << "\n";
  } else {
    for (auto& p : problems) {
      if (!p.blob.empty())
        std::cout << p.ref << ": points at " << p.got << " but blob " << p.blob << "\n";
      else
        std::cout << p.ref << ": " << (p.got.empty() ? "missing" : "points at " + p.got) << ", expected " << p.want
                  << "\n";
    }
    if (!out.quiet) std::cout << (tags - bad.size()) << "/" << tags << " tags verified\n";
  }
  return problems.empty() ? kExitOk : kExitMismatch;
}

// After the digests: one line per tag without a valid signature.
int print_signatures(const std::vector<pipeline::SignatureProblem>& problems, size_t tags, const OutputOptions& out) {
  for (auto& p : problems) (out.json ? std::cerr : std::cout) << p.ref << ": signature: " << p.problem << "\n";
  if (!out.quiet && !out.json) std::cout << (tags - problems.size()) << "/" << tags << " signatures verified\n";
  return problems.empty() ? kExitOk : kExitUnsigned;
}

Registration reg(
    "verify", "Check that every tag in the registry points at the digest its cell builds", [](CLI::App& app) -> Runner {
      auto a = std::make_shared<VerifyArgs>();
      add_build_input_flags(app, a->r.build);
      app.get_option("--output")->required(false);  // not with --results
      app.add_option("--manifest-format", a->format, "oci|docker, as pushed (default oci)")
          ->check(CLI::IsMember({"docker", "oci"}));
      app.add_option(
             "--results", a->results,
             "check the tags and digests in these `dlimage build --json` files instead of rebuilding; repeatable")
          ->check(CLI::ExistingFile);
      app.add_option("--key", a->r.verify_key, "cosign.pub: also check every tag's cosign signature")
          ->check(CLI::ExistingFile);
      a->out.add_to(app);
      add_registry_flags(app, a->r.build.registry);
      return [a] {
        if (!a->results.empty()) {
          std::vector<pipeline::ExpectedTag> want;
          for (auto& f : a->results) {
            auto more = get(pipeline::load_results(f));
            want.insert(want.end(), more.begin(), more.end());
          }
          if (want.empty()) throw Failure(invalid("--results: the files name no image; nothing to verify"));
          auto session = get(registry::Session::open(a->r.build.registry));
          for (auto& w : want) w.ref = session->hosts().for_push(w.ref);
          int rc = print(get(pipeline::verify_tags(want, session->client())), want.size(), a->out);
          if (rc != kExitOk || a->r.verify_key.empty()) return rc;
          auto key = get(sign::PublicKey::load(a->r.verify_key));
          return print_signatures(get(pipeline::verify_tag_signatures(want, session->client(), key, 8)), want.size(),
                                  a->out);
        }
        if (a->r.build.output_layout.empty())
          throw Failure(invalid("verify needs --output oci:DIR (to rebuild from the layer cache) or --results FILE"),
                        kExitUsage);
        check_usage(apply_build_environment(a->r.build));
        a->r.build.format = get(image::parse_format(a->format));
        a->r.build.lock_read_only = true;  // verify checks; it never changes the lock
        a->r.verify = true;
        auto report = get(pipeline::release(a->r));
        int rc = print(*report.problems, report.tags, a->out);
        if (rc != kExitOk || !report.signature_problems) return rc;
        return print_signatures(*report.signature_problems, report.tags, a->out);
      };
    });

}  // namespace
}  // namespace dl::cli
