// Determinism under load: one tar compressed with 1, 2 and 8 threads, many
// times, while other threads burn CPU and other compressions run at the
// same time, must give identical bytes every time. And the engine identity
// that layer keys and labels record is stable and names the engine.
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>
#include <vector>

#include "builder/layer/compress.h"
#include "builder/layer/layer_writer.h"

namespace dl::layer {
namespace {

// A real tar: this source tree plus 6 MiB of mixed content (several blocks).
std::string make_tar() {
  StringSink out;
  LayerOptions o;
  o.compression.algorithm = Compression::none;
  auto w = LayerWriter::create(o, &out);
  EXPECT_TRUE(w.ok());
  EXPECT_TRUE((*w)->add_tree(std::string(DL_SOURCE_DIR) + "/builder", "src").ok());
  std::mt19937 rng(11);
  std::string mixed;
  while (mixed.size() < (6u << 20)) {
    if (rng() % 3)
      mixed += "entry " + std::to_string(rng() % 5000) + " of a fairly repetitive manifest line\n";
    else
      for (int i = 0; i < 256; ++i) mixed.push_back(char(rng()));
  }
  EXPECT_TRUE((*w)->add_bytes("data/mixed.bin", mixed).ok());
  EXPECT_TRUE((*w)->finish().ok());
  return out.out;
}

std::string gz(const std::string& in, int level, int threads, size_t chunk) {
  StringSink out;
  auto c = make_compressor({Compression::gzip, level, threads}, &out);
  EXPECT_TRUE(c.ok());
  for (size_t i = 0; i < in.size(); i += chunk)
    EXPECT_TRUE((*c)->write(in.data() + i, std::min(chunk, in.size() - i)).ok());
  EXPECT_TRUE((*c)->finish().ok());
  return out.out;
}

TEST(GzipUnderLoad, OneTarWithOneTwoAndEightThreadsGivesIdenticalBytes) {
  const std::string tar = make_tar();
  ASSERT_GT(tar.size(), 6u << 20);
  std::atomic<bool> stop{false};
  std::vector<std::thread> load;
  for (int i = 0; i < 4; ++i)  // CPU and allocator pressure
    load.emplace_back([&stop, i] {
      std::mt19937 r{unsigned(i)};
      while (!stop) {
        std::vector<char> v(1 << 20, char(r()));
        volatile char sink = v[r() % v.size()];
        (void)sink;
      }
    });
  for (int level : {1, 6}) {
    const std::string want = gz(tar, level, 1, 1 << 16);
    // Concurrent compressions of the same tar with different thread counts.
    std::vector<std::string> got(9);
    std::vector<std::thread> jobs;
    const int threads[] = {1, 2, 8};
    for (int j = 0; j < 9; ++j)
      jobs.emplace_back([&, j] { got[size_t(j)] = gz(tar, level, threads[j % 3], size_t(4096 + 7777 * j)); });
    for (auto& t : jobs) t.join();
    for (int j = 0; j < 9; ++j)
      EXPECT_TRUE(got[size_t(j)] == want) << "level " << level << ", " << threads[j % 3] << " threads, run " << j
                                          << ": " << got[size_t(j)].size() << " bytes vs " << want.size();
  }
  stop = true;
  for (auto& t : load) t.join();
}

TEST(EngineIdentity, IsStableAndNamesTheEngine) {
  CompressOptions one{Compression::gzip, 0, 1}, six{Compression::gzip, 6, 8};
  std::string a = compression_identity(one);
  EXPECT_EQ(a, compression_identity({Compression::gzip, 1, 8})) << "level 0 means 1; threads never matter";
  EXPECT_EQ(a.rfind("gzip-1 " + std::string(gzip_engine(1) == "isa-l" ? "isa-l-" : "zlib-"), 0), 0u) << a;
  EXPECT_NE(a.find(" #"), std::string::npos);
  std::string b = compression_identity(six);
  EXPECT_EQ(b.rfind("gzip-6 zlib-", 0), 0u) << b;
  EXPECT_NE(a, b);
  EXPECT_EQ(compression_identity({Compression::none, 0, 0}), "none");
  EXPECT_EQ(compression_identity({Compression::zstd, 0, 2}).rfind("zstd-3 zstd-", 0), 0u);
}

#if defined(__x86_64__)
TEST(EngineIdentity, X86_64AlwaysHasIsal) {
  // A hard dependency: zlib's level-1 bytes differ from ISA-L's.
  EXPECT_EQ(gzip_engine(1), "isa-l");
}
#endif

}  // namespace
}  // namespace dl::layer
