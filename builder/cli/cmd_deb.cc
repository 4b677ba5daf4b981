// dlimage deb resolve: which .debs a request needs on top of a base, the
// way `apt-get -s install` would answer, without apt.
// dlimage deb install: the same request installed into a directory.
#include <sys/utsname.h>

#include <cstdlib>
#include <iostream>

#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "builder/apt/lock.h"
#include "builder/apt/resolve.h"
#include "builder/apt/sources.h"
#include "builder/cli/build_flags.h"
#include "builder/cli/command.h"
#include "builder/cli/output_flags.h"
#include "builder/pipeline/deb_install.h"
#include "builder/wheel/cache.h"
#include "net/http.h"

namespace dl::cli {
namespace {

struct DebOptions {
  std::vector<std::string> sources;
  std::string etc_apt = "/etc/apt";
  std::string status, base;
  std::string arch;
  std::string cache;
  std::string verifier = "gpgv";
  bool recommends = false, essential = false, offline = false;
  OutputOptions out;
  std::vector<std::string> packages;
  std::string root;                        // install
  std::vector<std::string> allow_scripts;  // install
  std::int64_t source_date_epoch = 0;      // install
};

std::string host_arch() {
  utsname u{};
  uname(&u);
  std::string m = u.machine;
  if (m == "x86_64") return "amd64";
  if (m == "aarch64") return "arm64";
  if (m == "ppc64le") return "ppc64el";
  return m;
}

std::string cache_dir(const std::string& flag) { return flag.empty() ? wheel::default_cache_dir() : flag; }

nlohmann::ordered_json to_json(const apt::AptLock& lock, const std::vector<apt::ResolvedPackage>& pkgs) {
  nlohmann::ordered_json j;
  j["schema"] = 1;  // the --json document version (README "Output for scripts")
  j["kind"] = "dlimage.deb.resolve";
  j["releases"] = nlohmann::ordered_json::array();
  for (const auto& r : lock.releases) j["releases"].push_back({{"url", r.url}, {"sha256", r.sha256}});
  j["packages"] = nlohmann::ordered_json::array();
  for (const auto& p : pkgs)
    j["packages"].push_back({{"name", p.name},
                             {"version", p.version},
                             {"arch", p.arch},
                             {"filename", p.filename},
                             {"size", p.size},
                             {"sha256", p.sha256},
                             {"url", p.url},
                             {"upgrade", p.upgrade}});
  return j;
}

std::vector<apt::Source> sources_of(const DebOptions& o) {
  std::vector<apt::Source> sources;
  if (o.sources.empty()) sources = get(apt::load_system_sources(o.etc_apt));
  for (const auto& f : o.sources) {
    auto s = get(apt::load_sources_file(f));
    sources.insert(sources.end(), s.begin(), s.end());
  }
  return sources;
}

int resolve(const DebOptions& o) {
  if (!o.base.empty() && !o.status.empty()) throw Failure(invalid("--base and --status: give one"));
  std::vector<apt::Source> sources = sources_of(o);
  std::vector<apt::InstalledPackage> installed;
  if (!o.status.empty()) installed = get(apt::parse_status(get(read_file(o.status)), o.status));
  if (!o.base.empty())
    installed =
        get(apt::parse_status(get(pipeline::scan_image(o.base))->status_text, o.base + ":/var/lib/dpkg/status"));
  apt::ResolveRequest req;
  req.arch = o.arch.empty() ? host_arch() : o.arch;
  req.recommends = o.recommends;
  req.essential = o.essential;
  for (const auto& p : o.packages) req.packages.push_back(get(apt::parse_package_spec(p)));
  apt::FetchOptions fo;
  fo.cache_dir = cache_dir(o.cache);
  fo.arch = req.arch;
  fo.offline = o.offline;
  fo.verifier = o.verifier;
  net::HttpClient http;
  auto repos = get(apt::fetch_indexes(sources, fo, http));
  auto pkgs = get(apt::resolve(repos, installed, req));
  if (o.out.json) {
    std::cout << to_json(apt::make_lock(repos, pkgs), pkgs).dump(2) << "\n";
    return 0;
  }
  // -q: NAME:ARCH=VERSION, a request that installs exactly these again.
  for (const auto& p : pkgs)
    std::cout << (o.out.quiet ? p.name + ":" + p.arch + "=" + p.version : p.name + " " + p.version + " " + p.arch)
              << "\n";
  return 0;
}

int install(const DebOptions& o) {
  pipeline::DirInstallRequest req;
  // The environment first: a malformed value is a usage error, before any input is read.
  req.source_date_epoch = o.source_date_epoch;
  if (const char* e = std::getenv("SOURCE_DATE_EPOCH"); e && req.source_date_epoch == 0)
    req.source_date_epoch = get_usage(parse_epoch(e, "SOURCE_DATE_EPOCH"));
  req.root = o.root;
  req.resolve.arch = o.arch.empty() ? host_arch() : o.arch;
  req.resolve.recommends = o.recommends;
  req.resolve.essential = o.essential;
  for (const auto& p : o.packages) {
    if (p.ends_with(".deb") && fs::exists(p))
      req.deb_files.push_back(p);
    else
      req.resolve.packages.push_back(get(apt::parse_package_spec(p)));
  }
  if (!req.resolve.packages.empty() || req.resolve.essential) req.sources = sources_of(o);
  req.fetch.cache_dir = cache_dir(o.cache);
  req.fetch.arch = req.resolve.arch;
  req.fetch.offline = o.offline;
  req.fetch.verifier = o.verifier;
  req.allow_scripts = o.allow_scripts;
  auto r = get(pipeline::install_into_directory(req));
  if (o.out.json) {
    auto j = json_document("deb.install");
    j["root"] = o.root;
    j["packages"] = nlohmann::ordered_json::array();
    for (const auto& p : r.report.packages)
      j["packages"].push_back({{"name", p.name}, {"version", p.version}, {"arch", p.arch}});
    j["not_run"] = r.report.acknowledged;  // maintainer scripts skipped by --allow-script
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  if (o.out.quiet) return 0;
  for (const auto& p : r.report.packages) std::cout << p.name << " " << p.version << " " << p.arch << "\n";
  for (const auto& s : r.report.acknowledged) std::cout << "not run (allow_scripts): " << s << "\n";
  return 0;
}

Registration reg("deb", "Debian packages from apt repositories, without apt", [](CLI::App& app) -> Runner {
  auto o = std::make_shared<DebOptions>();
  app.require_subcommand(1);
  CLI::App* res = app.add_subcommand("resolve", "Print the packages a request installs on top of a base");
  res->add_option("--sources", o->sources,
                  "apt sources file (*.sources deb822 or one-line .list), repeatable; default: the machine's /etc/apt")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  res->add_option("--etc-apt", o->etc_apt, "apt configuration directory for the default sources")
      ->capture_default_str();
  res->add_option("--status", o->status, "dpkg status file of the base (its packages count as installed)");
  res->add_option("--base", o->base, "oci:DIR:REF base image whose dpkg status counts as installed");
  res->add_option("--arch", o->arch, "dpkg architecture (default: this machine's)");
  res->add_flag("--recommends", o->recommends, "also install Recommends");
  res->add_flag("--essential", o->essential,
                "also install every Essential: yes package (an image from packages alone)");
  res->add_option("--cache", o->cache, "download cache (default ~/.cache/dlimage)");
  res->add_flag("--offline", o->offline, "use only the cache");
  res->add_option("--verifier", o->verifier, "signature checker: gpgv or sqv")->capture_default_str();
  res->add_flag("--json", o->out.json,
                "print JSON with filenames, sizes, sha256 and the InRelease digests (lock data)");
  res->add_flag("-q,--quiet", o->out.quiet, "print NAME:ARCH=VERSION per package (a request for exactly these)");
  res->add_option("packages", o->packages, "NAME[:ARCH][=VERSION]...")->required();
  CLI::App* ins = app.add_subcommand("install", "Install packages into a directory, merging with its dpkg database");
  ins->add_option("--root", o->root, "the tree to install into (created if missing)")->required();
  ins->add_option("--sources", o->sources,
                  "apt sources file (*.sources deb822 or one-line .list); default: the machine's /etc/apt");
  ins->add_option("--etc-apt", o->etc_apt, "apt configuration directory for the default sources")
      ->capture_default_str();
  ins->add_option("--arch", o->arch, "dpkg architecture (default: this machine's)");
  ins->add_flag("--recommends", o->recommends, "also install Recommends");
  ins->add_flag("--essential", o->essential, "also install every Essential: yes package (a tree from nothing)");
  ins->add_option("--allow-script", o->allow_scripts, "PKG or PKG/SCRIPT: install without reproducing its script");
  ins->add_option("--source-date-epoch", o->source_date_epoch,
                  "upper bound for every file time, and the time of generated files (default $SOURCE_DATE_EPOCH, "
                  "else 0), as in a layer")
      ->check([](const std::string& v) {
        auto e = parse_epoch(v, "--source-date-epoch");
        return e.ok() ? std::string() : e.error().message();
      });
  ins->add_option("--cache", o->cache, "download cache (default ~/.cache/dlimage)");
  ins->add_flag("--offline", o->offline, "use only the cache");
  ins->add_option("--verifier", o->verifier, "signature checker: gpgv or sqv")->capture_default_str();
  ins->add_option("packages", o->packages, "NAME[:ARCH][=VERSION] or FILE.deb ...");
  o->out.add_to(*ins);
  return [o, res, ins]() -> int {
    if (res->parsed()) return resolve(*o);
    if (ins->parsed()) {
      if (o->packages.empty() && !o->essential) throw Failure(invalid("deb install: no packages (and no --essential)"));
      return install(*o);
    }
    return 2;
  };
});

}  // namespace
}  // namespace dl::cli
