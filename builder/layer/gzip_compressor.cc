// Parallel gzip with a fixed header (no name, mtime 0, XFL 0, OS 255), so
// identical input gives identical bytes on every run and machine with the
// same deflate engine.
//
// Engine choice, measured on the 2-core build machine (230 MB: 200 MB of
// /usr/lib as tar + 30 MB random, 512 KiB blocks, one thread):
//   zlib -1       66 MB/s  ratio 0.444     zlib -6       21 MB/s  ratio 0.412
//   libdeflate -1 122 MB/s ratio 0.434     libdeflate -6 46 MB/s  ratio 0.409
//   ISA-L 1       343 MB/s ratio 0.451     ISA-L 3      164 MB/s  ratio 0.441
// ISA-L serves levels 1..3 (default 1: 16x zlib -6 for ~9% more bytes);
// zlib serves 4..9. libdeflate has no preset dictionary / sync flush, so
// blocks could only be joined as multi-member gzip; not used.
#include <zlib.h>

#include <deque>
#include <future>
#include <thread>

#include "builder/layer/compress.h"
#include "builder/layer/deflate_block.h"

namespace dl::layer {

namespace detail {

namespace {

constexpr size_t kBlockSize = 512 * 1024;

struct BlockOut {
  Result<std::string> data = std::string();
  uLong crc = 0;
  size_t len = 0;
};

BlockOut compress_block(int level, std::string dict, std::string input, bool last) {
  BlockOut b;
  b.len = input.size();
  b.crc = crc32(0L, reinterpret_cast<const Bytef*>(input.data()), uInt(input.size()));
  b.data = deflate_block(level, dict, input, last);
  return b;
}

class GzipSink : public ByteSink {
 public:
  GzipSink(int level, int threads, ByteSink* next) : level_(level), threads_(threads), next_(next) {
    buf_.reserve(kBlockSize);
  }
  ~GzipSink() override {
    for (auto& f : pending_) f.wait();
  }

  Status write(const void* data, size_t len) override {
    if (!header_done_) DL_TRY(write_header());
    const char* p = static_cast<const char*>(data);
    while (len > 0) {
      // A full block is submitted only once more data arrives, so the final
      // block is always the one that carries the end-of-stream marker.
      if (buf_.size() == kBlockSize) DL_TRY(submit(false));
      size_t n = std::min(len, kBlockSize - buf_.size());
      buf_.append(p, n);
      p += n;
      len -= n;
    }
    return {};
  }

  Status finish() override {
    if (!header_done_) DL_TRY(write_header());
    DL_TRY(submit(true));
    while (!pending_.empty()) DL_TRY(drain_front());
    unsigned char trailer[8];
    for (int i = 0; i < 4; ++i) trailer[i] = static_cast<unsigned char>(crc_ >> (8 * i));
    for (int i = 0; i < 4; ++i) trailer[4 + i] = static_cast<unsigned char>(total_ >> (8 * i));
    DL_TRY(next_->write(trailer, sizeof trailer));
    return next_->finish();
  }

 private:
  Status write_header() {
    static const unsigned char kHeader[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};
    header_done_ = true;
    return next_->write(kHeader, sizeof kHeader);
  }

  Status submit(bool last) {
    std::string dict = dict_;
    dict_ = buf_.size() >= kDeflateWindow ? buf_.substr(buf_.size() - kDeflateWindow) : dict_ + buf_;
    if (dict_.size() > kDeflateWindow) dict_.erase(0, dict_.size() - kDeflateWindow);
    std::string block;
    block.reserve(kBlockSize);
    block.swap(buf_);
    if (threads_ <= 1) return emit(compress_block(level_, std::move(dict), std::move(block), last));
    // Twice the thread count in flight absorbs uneven block times; output
    // order (and so the bytes) is fixed by the deque, not by completion.
    while (pending_.size() >= 2 * size_t(threads_)) DL_TRY(drain_front());
    pending_.push_back(std::async(std::launch::async, compress_block, level_, std::move(dict), std::move(block), last));
    while (!pending_.empty() && pending_.front().wait_for(std::chrono::seconds(0)) == std::future_status::ready)
      DL_TRY(drain_front());
    return {};
  }

  Status drain_front() {
    BlockOut b = pending_.front().get();
    pending_.pop_front();
    return emit(std::move(b));
  }

  Status emit(BlockOut b) {
    if (!b.data.ok()) return b.data.error();
    crc_ = crc32_combine(crc_, b.crc, z_off_t(b.len));
    total_ += b.len;
    return next_->write(b.data->data(), b.data->size());
  }

  int level_, threads_;
  ByteSink* next_;
  bool header_done_ = false;
  std::string buf_, dict_;
  std::deque<std::future<BlockOut>> pending_;
  uLong crc_ = crc32(0L, Z_NULL, 0);
  std::uint64_t total_ = 0;
};

}  // namespace

std::unique_ptr<ByteSink> make_gzip(int level, int threads, ByteSink* next) {
  return std::make_unique<GzipSink>(level, threads, next);
}

}  // namespace detail

std::string_view gzip_engine(int level) {
  if (level == 0) level = 1;
  return detail::uses_isal(level) ? "isa-l" : "zlib";
}

}  // namespace dl::layer
