// compression_identity(): what, besides the input, decides a layer's bytes.
//
// Why a probe and not just a name: the same ISA-L release gives different
// deflate bytes depending on the code path its CPU dispatcher picks. Measured
// here by interposing the dispatched functions on one 12 MB tar (level 1):
// the SSE4.2/AVX/AVX2 bodies (isal_deflate_icf_body_hash_hist_01/02/04)
// agree with each other, but the portable C body, finish and hash functions
// (*_base, picked on CPUs without SSE4.2) each give other bytes; aarch64 and
// zlib-only builds differ again. In one process the output never depends on
// threads or load (gzip_thread_test.cc). So the identity carries a digest of
// a fixed probe compressed by this very process: two machines with equal
// identities produce equal bytes, and a cache entry or an image made by
// another engine is recognised as such.
#include <zlib.h>
#include <zstd.h>

#include <map>
#include <mutex>

#include "base/sha256.h"
#include "builder/layer/compress.h"
#include "builder/layer/deflate_block.h"

namespace dl::layer {

namespace {

// 1 MiB, two gzip blocks: text with repeats (matches at every distance),
// runs of zeros (tar padding), and noise (stored blocks).
std::string probe_input() {
  std::string s;
  s.reserve(1 << 20);
  std::uint32_t x = 2463534242u;
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return x;
  };
  static const char* words[] = {"layer ", "wheel ", "python ", "cuda ", "image ", "digest ", "tensor ", "\n"};
  while (s.size() < (1u << 20)) {
    std::uint32_t r = next();
    switch (r % 8) {
      case 0: s.append(512 + r % 4096, '\0'); break;
      case 1:
        for (int i = 0; i < 64; ++i) s.push_back(char(next()));
        break;
      default:
        for (int i = 0; i < 40; ++i) s += words[next() % 8];
    }
  }
  s.resize(1 << 20);
  return s;
}

std::string probe_digest(const CompressOptions& o) {
  StringSink out;
  CompressOptions one = o;
  one.threads = 1;
  auto c = make_compressor(one, &out);
  if (!c.ok()) return "unavailable";
  std::string in = probe_input();
  if (!(*c)->write(in.data(), in.size()).ok() || !(*c)->finish().ok()) return "failed";
  return Sha256::hex(out.out).substr(0, 12);
}

std::string engine_name(const CompressOptions& o, int level) {
  switch (o.algorithm) {
    case Compression::gzip:
#ifdef DL_ISAL_VERSION
      if (detail::uses_isal(level)) return std::string("isa-l-") + DL_ISAL_VERSION;
#endif
      if (detail::uses_isal(level)) return "isa-l";
      return std::string("zlib-") + zlibVersion();
    case Compression::zstd: return std::string("zstd-") + ZSTD_versionString();
    case Compression::none: return "";
  }
  return "";
}

}  // namespace

std::string compression_identity(const CompressOptions& o) {
  if (o.algorithm == Compression::none) return "none";
  int level = o.level != 0 ? o.level : (o.algorithm == Compression::gzip ? 1 : 3);
  std::string key = std::string(compression_name(o.algorithm)) + "-" + std::to_string(level);
  static std::mutex mu;
  static std::map<std::string, std::string> known;
  std::lock_guard<std::mutex> lock(mu);
  auto it = known.find(key);
  if (it != known.end()) return it->second;
  CompressOptions norm = o;
  norm.level = level;
  std::string id = key + " " + engine_name(norm, level) + " #" + probe_digest(norm);
  known.emplace(key, id);
  return id;
}

}  // namespace dl::layer
