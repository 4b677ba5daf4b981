// Layer build throughput against the peer pipelines measured in the same
// run on the same generated tree:
//   dlimage gzip  vs  tar -c --sort=name | pigz -N
//   dlimage zstd  vs  tar -c --sort=name | zstd -T0 -3
// Prints MB/s (uncompressed tar bytes per wall second), MB per CPU-second
// (all threads/processes; meaningful even on a busy machine), compression
// ratio, and the benchmark process's peak RSS to show memory stays flat.
// Size: DL_BENCH_LAYER_MB (default 200; the brief's reference size is 500).
#include <sys/resource.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <thread>

#include "base/fs.h"
#include "builder/layer/layer_writer.h"

namespace {

using dl::fs::path;
using Clock = std::chrono::steady_clock;

struct Run {
  double seconds = 0;
  double cpu = 0;  // user+sys of every thread/process involved: robust on a busy machine
  std::uint64_t in_bytes = 0, out_bytes = 0;
};

double cpu_seconds(int who) {
  rusage ru{};
  getrusage(who, &ru);
  return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

long peak_rss_mb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024;
}

// A mix like a DL image: text (python sources, metadata), incompressible
// bytes (weights, compressed archives), many small files.
std::uint64_t make_tree(const path& root, std::uint64_t total) {
  std::mt19937_64 rng(42);
  static const char* words[] = {"import ", "numpy ", "def ",       "return ", "self.", "tensor",
                                "(x, y)",  "\n    ", "# comment ", "lambda ", "0.001", "for i in range(n):",
                                "\n"};
  std::uint64_t made = 0, files = 0;
  auto text = [&](size_t n) {
    std::string s;
    s.reserve(n);
    while (s.size() < n) s += words[rng() % 13];
    s.resize(n);
    return s;
  };
  auto random = [&](size_t n) {
    std::string s(n, '\0');
    for (size_t i = 0; i + 8 <= n; i += 8) {
      std::uint64_t v = rng();
      std::memcpy(&s[i], &v, 8);
    }
    return s;
  };
  auto put = [&](const path& p, const std::string& data) {
    dl::fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << data;
    made += data.size();
    ++files;
  };
  // `put` advances `made`: each loop fills its share of the total.
  int i = 0;
  while (made < total * 4 / 10) put(root / "text" / ("mod" + std::to_string(i++) + ".py"), text(1 << 20));
  i = 0;
  while (made < total * 7 / 10) put(root / "blobs" / ("w" + std::to_string(i++) + ".bin"), random(8 << 20));
  i = 0;
  while (made < total) {
    put(root / "small" / std::to_string(i % 97) / ("f" + std::to_string(i)), i % 2 ? text(6000) : random(3000));
    ++i;
  }
  std::printf("tree: %.0f MB in %llu files\n", double(made) / 1e6, static_cast<unsigned long long>(files));
  return made;
}

Run run_dlimage(const path& tree, const path& out, dl::layer::CompressOptions c) {
  auto start = Clock::now();
  double cpu0 = cpu_seconds(RUSAGE_SELF);
  dl::layer::LayerOptions o;
  o.compression = c;
  auto info = dl::layer::write_tree_layer(tree, o, out);
  if (!info.ok()) {
    std::fprintf(stderr, "layer_bench: %s\n", info.error().message().c_str());
    std::exit(1);
  }
  return {std::chrono::duration<double>(Clock::now() - start).count(), cpu_seconds(RUSAGE_SELF) - cpu0, info->tar_size,
          info->size};
}

Run run_shell(const std::string& cmd, const path& out, std::uint64_t tar_bytes) {
  auto start = Clock::now();
  double cpu0 = cpu_seconds(RUSAGE_CHILDREN);
  // dlimage fsyncs every blob before renaming it; make the peers durable too.
  int rc = std::system((cmd + " && sync '" + out.string() + "'").c_str());
  if (rc != 0) {
    std::fprintf(stderr, "layer_bench: '%s' failed (%d)\n", cmd.c_str(), rc);
    std::exit(1);
  }
  return {std::chrono::duration<double>(Clock::now() - start).count(), cpu_seconds(RUSAGE_CHILDREN) - cpu0, tar_bytes,
          dl::fs::file_size(out)};
}

void report(const std::string& name, const Run& r) {
  std::printf("  %-30s %7.1f MB/s  %7.1f MB/cpu-s  ratio %.3f  (%.2f s wall, %.2f s cpu, %.0f MB)\n", name.c_str(),
              double(r.in_bytes) / 1e6 / r.seconds, double(r.in_bytes) / 1e6 / r.cpu,
              double(r.out_bytes) / double(r.in_bytes), r.seconds, r.cpu, double(r.out_bytes) / 1e6);
}

}  // namespace

// NOLINTNEXTLINE(bugprone-exception-escape): a benchmark; an uncaught throw ends it loudly.
int main() {
  const char* env = std::getenv("DL_BENCH_LAYER_MB");
  std::uint64_t mb = env ? std::strtoull(env, nullptr, 10) : 200;
  int threads = int(std::max(1u, std::thread::hardware_concurrency()));
  dl::TempDir work("dl-layer-bench");
  path tree = work.path() / "tree";
  make_tree(tree, mb * 1000 * 1000);
  std::string tar = "tar -c --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C '" + tree.string() + "' .";
  long rss_before = peak_rss_mb();

  Run plain = run_dlimage(tree, work.path() / "l.tar", {dl::layer::Compression::none, 0, threads});
  Run peer_tar = run_shell(tar + " > '" + (work.path() / "p.tar").string() + "'", work.path() / "p.tar", 0);
  peer_tar.in_bytes = peer_tar.out_bytes;
  std::printf("uncompressed tar (%d threads):\n", threads);
  report("dlimage tar + sha256", plain);
  report("tar --sort=name", peer_tar);

  std::printf("gzip:\n");
  for (int level : {1, 6}) {
    Run d = run_dlimage(tree, work.path() / "l.gz", {dl::layer::Compression::gzip, level, threads});
    path po = work.path() / "p.gz";
    Run p = run_shell(
        tar + " | pigz -" + std::to_string(level) + " -p " + std::to_string(threads) + " > '" + po.string() + "'", po,
        plain.in_bytes);
    report("dlimage gzip-" + std::to_string(level) + " (" + std::string(dl::layer::gzip_engine(level)) + ")", d);
    report("tar | pigz -" + std::to_string(level), p);
    std::printf("  => dlimage vs pigz: wall speed x%.2f, cpu efficiency x%.2f, size x%.3f\n", p.seconds / d.seconds,
                p.cpu / d.cpu, double(d.out_bytes) / double(p.out_bytes));
  }
  std::printf("  peak RSS so far: %ld MB\n", peak_rss_mb());
  std::printf("zstd:\n");
  Run dz = run_dlimage(tree, work.path() / "l.zst", {dl::layer::Compression::zstd, 3, threads});
  path pz = work.path() / "p.zst";
  Run z = run_shell(tar + " | zstd -q -T0 -3 > '" + pz.string() + "'", pz, plain.in_bytes);
  report("dlimage zstd-3", dz);
  report("tar | zstd -T0 -3", z);
  std::printf("  => dlimage vs zstd: wall speed x%.2f, cpu efficiency x%.2f, size x%.3f\n", z.seconds / dz.seconds,
              z.cpu / dz.cpu, double(dz.out_bytes) / double(z.out_bytes));
  std::printf("peak RSS: %ld MB after generating the tree, %ld MB after all dlimage layers of %.0f MB\n", rss_before,
              peak_rss_mb(), double(plain.in_bytes) / 1e6);
  return 0;
}
