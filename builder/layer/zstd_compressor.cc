// zstd stage. Workers are always >= 1 when libzstd supports threads:
// zstd's multi-threaded mode is deterministic for any nbWorkers >= 1 but
// differs from single-threaded mode (nbWorkers 0), so threads=1 and
// threads=8 must both use the MT code path to give the same bytes.
#include <zstd.h>

#include <vector>

#include "builder/layer/compress.h"

namespace dl::layer::detail {

namespace {

class ZstdSink : public ByteSink {
 public:
  ZstdSink(ZSTD_CCtx* ctx, ByteSink* next) : ctx_(ctx), next_(next), out_(ZSTD_CStreamOutSize()) {}
  ~ZstdSink() override { ZSTD_freeCCtx(ctx_); }

  Status write(const void* data, size_t len) override {
    ZSTD_inBuffer in{data, len, 0};
    while (in.pos < in.size) DL_TRY(step(&in, ZSTD_e_continue));
    return {};
  }

  Status finish() override {
    ZSTD_inBuffer in{nullptr, 0, 0};
    for (;;) {
      DL_ASSIGN_OR_RETURN(size_t left, step(&in, ZSTD_e_end));
      if (left == 0) break;
    }
    return next_->finish();
  }

 private:
  Result<size_t> step(ZSTD_inBuffer* in, ZSTD_EndDirective mode) {
    ZSTD_outBuffer out{out_.data(), out_.size(), 0};
    size_t rc = ZSTD_compressStream2(ctx_, &out, in, mode);
    if (ZSTD_isError(rc)) return Error(ErrorKind::internal, std::string("zstd: ") + ZSTD_getErrorName(rc));
    if (out.pos) DL_TRY(next_->write(out_.data(), out.pos));
    return rc;
  }

  ZSTD_CCtx* ctx_;
  ByteSink* next_;
  std::vector<char> out_;
};

}  // namespace

Result<std::unique_ptr<ByteSink>> make_zstd(int level, int threads, ByteSink* next) {
  ZSTD_CCtx* ctx = ZSTD_createCCtx();
  if (!ctx) return Error(ErrorKind::internal, "zstd: cannot allocate context");
  auto sink = std::make_unique<ZstdSink>(ctx, next);
  size_t rc = ZSTD_CCtx_setParameter(ctx, ZSTD_c_compressionLevel, level);
  if (ZSTD_isError(rc)) return invalid("zstd level " + std::to_string(level) + ": " + ZSTD_getErrorName(rc));
  // Error here means a libzstd without thread support: stay single-threaded.
  (void)ZSTD_CCtx_setParameter(ctx, ZSTD_c_nbWorkers, threads < 1 ? 1 : threads);
  return std::unique_ptr<ByteSink>(std::move(sink));
}

}  // namespace dl::layer::detail
