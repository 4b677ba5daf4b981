#include "builder/layer/compress.h"

#include <thread>

namespace dl::layer {

namespace detail {
std::unique_ptr<ByteSink> make_gzip(int level, int threads, ByteSink* next);
Result<std::unique_ptr<ByteSink>> make_zstd(int level, int threads, ByteSink* next);
}  // namespace detail

namespace {
class PassThrough : public ByteSink {
 public:
  explicit PassThrough(ByteSink* next) : next_(next) {}
  Status write(const void* d, size_t n) override { return next_->write(d, n); }
  Status finish() override { return next_->finish(); }

 private:
  ByteSink* next_;
};
}  // namespace

std::string_view compression_name(Compression c) {
  switch (c) {
    case Compression::none: return "none";
    case Compression::gzip: return "gzip";
    case Compression::zstd: return "zstd";
  }
  return "?";
}

Result<Compression> parse_compression(std::string_view name) {
  if (name == "gzip") return Compression::gzip;
  if (name == "zstd") return Compression::zstd;
  if (name == "none") return Compression::none;
  return invalid("compression '" + std::string(name) + "': expected gzip, zstd or none");
}

Result<std::unique_ptr<ByteSink>> make_compressor(const CompressOptions& opts, ByteSink* next) {
  int threads = opts.threads > 0 ? opts.threads : int(std::max(1u, std::thread::hardware_concurrency()));
  switch (opts.algorithm) {
    case Compression::none: return std::unique_ptr<ByteSink>(std::make_unique<PassThrough>(next));
    case Compression::gzip: {
      int level = opts.level == 0 ? 1 : opts.level;
      if (level < 1 || level > 9) return invalid("gzip level " + std::to_string(opts.level) + ": expected 1..9");
      return detail::make_gzip(level, threads, next);
    }
    case Compression::zstd: {
      int level = opts.level == 0 ? 3 : opts.level;
      if (level < 1 || level > 19) return invalid("zstd level " + std::to_string(opts.level) + ": expected 1..19");
      return detail::make_zstd(level, threads, next);
    }
  }
  return invalid("unknown compression");
}

}  // namespace dl::layer
