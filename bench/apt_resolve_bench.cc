// Resolves a request against bookworm main (~64k packages) from a warm
// cache, index parsing included, and prints the time next to `apt-get -s
// install` for the same request on the same indexes (apt warm too: its
// binary cache already built). Goal: under 1 s.
//
// The archive is the one this machine's apt uses (/etc/apt); the first run
// downloads the indexes into build/apt-bench-cache.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "base/fs.h"
#include "base/strings.h"
#include "builder/apt/resolve.h"
#include "tests/support/process.h"

using namespace dl;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// CPU seconds used so far by this process and its reaped children (gpgv, apt-get).
double cpu_self() {
  rusage r{};
  getrusage(RUSAGE_SELF, &r);
  return r.ru_utime.tv_sec + r.ru_stime.tv_sec + (r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}
double cpu_children() {
  rusage r{};
  getrusage(RUSAGE_CHILDREN, &r);
  return r.ru_utime.tv_sec + r.ru_stime.tv_sec + (r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

int fail(const std::string& m) {
  std::fprintf(stderr, "apt_resolve_bench: %s\n", m.c_str());
  return 1;
}

}  // namespace

// NOLINTNEXTLINE(bugprone-exception-escape): a benchmark; an uncaught throw ends it loudly.
int main(int argc, char** argv) {
  std::vector<std::string> request = {"python3", "libhdf5-dev", "libgomp1"};
  if (argc > 1) request.assign(argv + 1, argv + argc);
  fs::path dir = fs::path(DL_BINARY_DIR) / "apt-bench-cache";
  auto sys = apt::load_system_sources("/etc/apt");
  if (!sys.ok()) return fail(sys.error().message());
  // bookworm main alone: the first source's first suite without a '-'.
  apt::Source main_src;
  for (const auto& s : *sys)
    for (const auto& suite : s.suites)
      if (main_src.uris.empty() && suite.find('-') == std::string::npos &&
          std::find(s.components.begin(), s.components.end(), "main") != s.components.end()) {
        main_src = s;
        main_src.suites = {suite};
        main_src.components = {"main"};
        main_src.uris = {s.uris[0]};
      }
  if (main_src.uris.empty()) return fail("no '<suite> main' source in /etc/apt");
  apt::FetchOptions fo;
  fo.cache_dir = (dir / "dlimage").string();
  net::HttpClient http;
  auto warm = apt::fetch_indexes({main_src}, fo, http);
  if (!warm.ok()) return fail(warm.error().message());

  apt::ResolveRequest req;
  for (const auto& r : request) req.packages.push_back(*apt::parse_package_spec(r));
  double best = 1e9, best_cpu = 1e9;
  size_t count = 0, packages = 0;
  for (int i = 0; i < 3; ++i) {
    auto t = std::chrono::steady_clock::now();
    double c0 = cpu_self() + cpu_children();
    fo.offline = true;
    auto repos = apt::fetch_indexes({main_src}, fo, http);  // verify InRelease from the cache
    if (!repos.ok()) return fail(repos.error().message());
    auto r = apt::resolve(*repos, {}, req);
    if (!r.ok()) return fail(r.error().message());
    best = std::min(best, seconds_since(t));
    best_cpu = std::min(best_cpu, cpu_self() + cpu_children() - c0);
    count = r->size();
    auto text = read_file((*repos)[0].packages_path);
    packages = 0;
    for (size_t p = 0; (p = text->find("\nPackage: ", p)) != std::string::npos; ++p) ++packages;
  }

  // apt on the same suite: private state, one update (not timed), one run
  // to build its binary cache (not timed), then the timed runs.
  ensure_dir(dir / "etc" / "sources.list.d").ok();
  ensure_dir(dir / "etc" / "preferences.d").ok();
  ensure_dir(dir / "state" / "lists" / "partial").ok();
  ensure_dir(dir / "aptcache" / "archives" / "partial").ok();
  write_file_atomic(dir / "etc" / "sources.list.d" / "main.sources",
                    "Types: deb\nURIs: " + main_src.uris[0] + "\nSuites: " + main_src.suites[0] +
                        "\nComponents: main\nSigned-By: " + main_src.signed_by_file + "\n")
      .ok();
  write_file_atomic(dir / "status", "").ok();
  std::vector<std::string> base = {"apt-get",
                                   "-o",
                                   "Dir::Etc=" + (dir / "etc").string(),
                                   "-o",
                                   "Dir::State=" + (dir / "state").string(),
                                   "-o",
                                   "Dir::State::status=" + (dir / "status").string(),
                                   "-o",
                                   "Dir::Cache=" + (dir / "aptcache").string(),
                                   "-o",
                                   "Debug::NoLocking=1",
                                   "-o",
                                   "APT::Install-Recommends=false",
                                   "-o",
                                   "APT::Architecture=amd64",
                                   "-q"};
  auto update = base;
  update.push_back("update");
  auto u = test::run(update);
  if (!u.ok() || !u->ok()) return fail("apt-get update: " + (u.ok() ? u->describe() : u.error().message()));
  auto sim = base;
  sim.insert(sim.end(), {"-s", "install"});
  sim.insert(sim.end(), request.begin(), request.end());
  (void)test::run(sim);
  double apt_best = 1e9, apt_cpu = 1e9;
  size_t apt_count = 0;
  for (int i = 0; i < 3; ++i) {
    auto t = std::chrono::steady_clock::now();
    double c0 = cpu_children();
    auto r = test::run(sim);
    apt_best = std::min(apt_best, seconds_since(t));
    apt_cpu = std::min(apt_cpu, cpu_children() - c0);
    if (!r.ok() || !r->ok()) return fail("apt-get -s: " + (r.ok() ? r->describe() : r.error().message()));
    apt_count = 0;
    for (const auto& line : split(r->out, '\n')) apt_count += starts_with(line, "Inst ");
  }
  std::printf("apt resolve: %s against %s main (%zu packages), index parsing included\n", join(request, " ").c_str(),
              main_src.suites[0].c_str(), packages);
  double load[1] = {0};
  getloadavg(load, 1);
  std::printf("  dlimage (libsolv, InRelease re-verified): %.3f s wall, %.3f s CPU, %zu packages to install\n", best,
              best_cpu, count);
  std::printf("  apt-get -s (warm binary cache):          %.3f s wall, %.3f s CPU, %zu packages\n", apt_best, apt_cpu,
              apt_count);
  std::printf("  ratio apt/dlimage: %.2fx wall, %.2fx CPU (load average %.1f)\n", apt_best / best, apt_cpu / best_cpu,
              load[0]);
  std::printf("  goal < 1 s wall: %s\n", best < 1.0 ? "met" : "MISSED");
  return best < 1.0 ? 0 : 1;
}
