// dlimage wheel resolve: the closure of requirements for one environment, as
// `name==version filename` lines. dlimage wheel tags: the environment's
// PEP 425 tags in pip's priority order (pip debug --verbose).
#include <cstdlib>
#include <iostream>
#include <memory>

#include "builder/cli/command.h"
#include "builder/cli/output_flags.h"
#include "builder/cli/wheel_resolve.h"
#include "builder/resolve/resolver.h"
#include "net/url.h"

namespace dl::cli {
namespace {

struct ResolveArgs {
  std::string python = "3.6", abi, glibc = "2.17", variant, cache, dest;
  std::vector<std::string> indexes, wheels, requirements;
  bool pre = false, stats = false;
  OutputOptions out;
};

int run_resolve(const ResolveArgs& a) {
  auto env = get(resolve::Environment::make(a.python, a.abi, a.glibc, a.variant));
  std::vector<resolve::SourceSpec> sources;
  for (auto& w : a.wheels) sources.push_back({w, "", {}});
  for (auto& i : a.indexes) {  // URL, or LABEL=URL for one variant's index
    size_t eq = i.find("=http");
    if (eq != std::string::npos && i.find("://") > eq)
      sources.push_back({i.substr(eq + 1), i.substr(0, eq), {}});
    else
      sources.push_back({i, "", {}});
  }
  if (sources.empty()) throw Failure(invalid("no wheel sources: expected --index URL or --wheels DIR"));
  auto index = get(resolve::Index::open(sources, a.cache.empty() ? wheel::default_cache_dir() : a.cache));
  resolve::ResolveOptions opts;
  opts.allow_prereleases = a.pre;
  auto r = get(resolve::resolve(*index, env, a.requirements, opts));
  if (!a.dest.empty()) {
    std::filesystem::create_directories(a.dest);
    for (auto& p : r.pins) {
      auto f = get(index->download(p.file));
      std::filesystem::copy_file(f.path, std::filesystem::path(a.dest) / p.file.filename,
                                 std::filesystem::copy_options::overwrite_existing);
    }
  }
  if (a.out.json) {
    auto j = json_document("wheel.resolve");
    j["python"] = a.python;
    j["pins"] = nlohmann::ordered_json::array();
    for (auto& p : r.pins)
      j["pins"].push_back({{"name", p.name},
                           {"version", p.version},
                           {"filename", p.file.filename},
                           {"url", net::strip_secrets(p.file.url)},
                           {"sha256", p.file.sha256}});
    std::cout << j.dump(2) << "\n";
  } else if (a.out.quiet) {
    for (auto& p : r.pins) std::cout << p.name << "==" << p.version << "\n";  // a requirements.txt
  } else {
    std::cout << resolve::format_pins(r);
  }
  if (a.stats)
    std::cerr << "dlimage: " << r.pins.size() << " wheels in " << r.rounds << " rounds, " << r.backtracks
              << " backtracks; " << index->stats().str() << "\n";
  return 0;
}

int run_tags(const ResolveArgs& a) {
  auto env = get(resolve::Environment::make(a.python, a.abi, a.glibc));
  auto tags = pypa::supported_tags(env.interpreter);
  if (a.out.json) {
    auto j = json_document("wheel.tags");
    j["tags"] = nlohmann::ordered_json::array();
    for (auto& t : tags) j["tags"].push_back(t.str());
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  for (auto& t : tags) std::cout << t.str() << "\n";  // -q: the same lines, nothing else to drop
  return 0;
}

}  // namespace

std::function<int()> add_wheel_resolve_commands(CLI::App& wheel) {
  auto a = std::make_shared<ResolveArgs>();
  CLI::App* res = wheel.add_subcommand("resolve", "Resolve requirements to one wheel per project for one environment");
  res->add_option("--python", a->python, "Target Python X.Y")->capture_default_str();
  res->add_option("--abi", a->abi, "Target ABI (cp27mu, cp36m, ...; default: CPython's for --python)");
  res->add_option("--glibc", a->glibc, "Target glibc version, bounds the manylinux tags (\"\" = none)")
      ->capture_default_str();
  res->add_option("--variant", a->variant, "Build variant label: also use files of sources labelled so");
  res->add_option("--index", a->indexes, "PEP 503/691 index URL, or LABEL=URL for one variant's (repeatable)")
      ->allow_extra_args(false);
  res->add_option("--wheels", a->wheels, "Wheelhouse directory (repeatable)")->allow_extra_args(false);
  res->add_option("--cache", a->cache, "Download and metadata cache (default $DLIMAGE_CACHE or ~/.cache/dlimage)");
  res->add_option("--dest", a->dest, "Also download the chosen wheels into DIR (verified)");
  res->add_flag("--pre", a->pre, "Allow pre-releases");
  res->add_flag("--stats", a->stats, "Print rounds, backtracks and metadata fetches to stderr");
  res->add_option("requirements", a->requirements, "PEP 508 requirements")->required();
  a->out.add_to(*res);
  CLI::App* tags = wheel.add_subcommand("tags", "Print the supported wheel tags in pip's priority order");
  tags->add_option("--python", a->python, "Target Python X.Y")->capture_default_str();
  tags->add_option("--abi", a->abi, "Target ABI (default: CPython's for --python)");
  tags->add_option("--glibc", a->glibc, "Target glibc version (\"\" = none)")->capture_default_str();
  a->out.add_to(*tags);
  return [=]() -> int {
    if (res->parsed()) return run_resolve(*a);
    if (tags->parsed()) return run_tags(*a);
    return -1;
  };
}

}  // namespace dl::cli
