#include "builder/wheel/raw_inflate.h"

#include <zlib.h>

#include <algorithm>
#include <limits>

#ifdef DL_HAVE_ISAL
#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>
#endif

namespace dl::wheel {

namespace {
// Both engines count in 32 bits.
constexpr size_t kMaxStep = size_t(1) << 30;
}  // namespace

#ifdef DL_HAVE_ISAL

struct RawInflater::Impl {
  inflate_state st{};
};

void RawInflater::reset() {
  isal_inflate_init(&impl_->st);
  impl_->st.crc_flag = ISAL_GZIP_NO_HDR;  // raw deflate; state.crc = CRC32 of the output
}

Result<RawInflater::Step> RawInflater::step(const uint8_t* in, size_t in_len, uint8_t* out, size_t out_len) {
  auto& st = impl_->st;
  st.next_in = const_cast<uint8_t*>(in);  // ISA-L's API is not const; it does not write the input
  st.avail_in = uint32_t(std::min(in_len, kMaxStep));
  st.next_out = out;
  st.avail_out = uint32_t(std::min(out_len, kMaxStep));
  uint32_t avail_in = st.avail_in, avail_out = st.avail_out;
  int rc = isal_inflate(&st);
  switch (rc) {
    case ISAL_DECOMP_OK:
    case ISAL_END_INPUT:
    case ISAL_OUT_OVERFLOW: break;
    case ISAL_INVALID_BLOCK: return invalid("invalid deflate block");
    case ISAL_INVALID_SYMBOL: return invalid("invalid deflate symbol");
    case ISAL_INVALID_LOOKBACK: return invalid("deflate back-reference before the start of the entry");
    default: return invalid("corrupt deflate data (ISA-L inflate error " + std::to_string(rc) + ")");
  }
  return Step{avail_in - st.avail_in, avail_out - st.avail_out};
}

bool RawInflater::finished() const { return impl_->st.block_state == ISAL_BLOCK_FINISH; }
uint32_t RawInflater::crc32() const { return impl_->st.crc; }

uint32_t crc32_update(uint32_t crc, const uint8_t* data, size_t len) {
  while (len > 0) {
    auto n = std::min(len, kMaxStep);
    crc = crc32_gzip_refl(crc, data, n);
    data += n;
    len -= n;
  }
  return crc;
}

#else  // zlib

struct RawInflater::Impl {
  z_stream z{};
  bool open = false, done = false;
  uint32_t crc = 0;
  ~Impl() {
    if (open) inflateEnd(&z);
  }
};

void RawInflater::reset() {
  if (impl_->open) inflateEnd(&impl_->z);
  impl_->z = z_stream{};
  impl_->open = inflateInit2(&impl_->z, -15) == Z_OK;
  impl_->done = false;
  impl_->crc = 0;
}

Result<RawInflater::Step> RawInflater::step(const uint8_t* in, size_t in_len, uint8_t* out, size_t out_len) {
  auto& z = impl_->z;
  if (!impl_->open) return Error(ErrorKind::internal, "zlib: inflateInit2 failed");
  z.next_in = const_cast<Bytef*>(in);
  z.avail_in = uInt(std::min(in_len, kMaxStep));
  z.next_out = out;
  z.avail_out = uInt(std::min(out_len, kMaxStep));
  uInt avail_in = z.avail_in, avail_out = z.avail_out;
  int rc = inflate(&z, Z_NO_FLUSH);
  if (rc == Z_STREAM_END)
    impl_->done = true;
  else if (rc != Z_OK && rc != Z_BUF_ERROR)
    return invalid(std::string("corrupt deflate data (") + (z.msg ? z.msg : "zlib error") + ")");
  Step s{avail_in - z.avail_in, avail_out - z.avail_out};
  impl_->crc = uint32_t(::crc32(impl_->crc, out, uInt(s.produced)));
  return s;
}

bool RawInflater::finished() const { return impl_->done; }
uint32_t RawInflater::crc32() const { return impl_->crc; }

uint32_t crc32_update(uint32_t crc, const uint8_t* data, size_t len) {
  while (len > 0) {
    auto n = std::min(len, kMaxStep);
    crc = uint32_t(::crc32(crc, data, uInt(n)));
    data += n;
    len -= n;
  }
  return crc;
}

#endif

RawInflater::RawInflater() : impl_(std::make_unique<Impl>()) { reset(); }
RawInflater::~RawInflater() = default;

}  // namespace dl::wheel
