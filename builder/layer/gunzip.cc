#include "builder/layer/gunzip.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#ifdef DL_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

namespace dl::layer {

namespace {

// What is read before inflating; enough to keep the calls into `in` few.
constexpr size_t kInBuf = 256 * 1024;

struct Sniffed {
  ReadFn in;
  std::vector<uint8_t> buf = std::vector<uint8_t>(kInBuf);
  size_t have = 0;  // bytes at the start of buf
  bool eof = false;

  // Reads until buf holds at least `want` bytes or the input ends.
  Status fill(size_t want) {
    while (have < want && !eof) {
      DL_ASSIGN_OR_RETURN(size_t n, in(reinterpret_cast<char*>(buf.data()) + have, buf.size() - have));
      if (n == 0) eof = true;
      have += n;
    }
    return {};
  }
};

bool gzip_magic(const uint8_t* p, size_t n) { return n >= 2 && p[0] == 0x1f && p[1] == 0x8b; }

// Hands out the sniffed bytes, then the rest of `in` as it is.
ReadFn passthrough(std::shared_ptr<Sniffed> s) {
  auto pos = std::make_shared<size_t>(0);
  return [s, pos](char* out, size_t cap) -> Result<size_t> {
    if (*pos < s->have) {
      size_t n = std::min(cap, s->have - *pos);
      std::memcpy(out, s->buf.data() + *pos, n);
      *pos += n;
      return n;
    }
    if (s->eof) return size_t(0);
    return s->in(out, cap);
  };
}

#ifdef DL_HAVE_ISAL
std::string isal_error(int rc) {
  switch (rc) {
    case ISAL_INVALID_BLOCK: return "invalid deflate block";
    case ISAL_INVALID_SYMBOL: return "invalid deflate symbol";
    case ISAL_INVALID_LOOKBACK: return "invalid deflate back-reference";
    case ISAL_INVALID_WRAPPER: return "invalid gzip header";
    case ISAL_UNSUPPORTED_METHOD: return "gzip header names a method other than deflate";
    case ISAL_INCORRECT_CHECKSUM: return "CRC32 or length in the gzip trailer does not match the content";
    default: return "inflate error " + std::to_string(rc);
  }
}

struct Inflating {
  std::shared_ptr<Sniffed> src;
  inflate_state st{};
  bool done = false;

  void start_member(uint8_t* at, uint32_t avail) {
    isal_inflate_init(&st);
    st.crc_flag = ISAL_GZIP;  // parses the header, checks CRC32 and ISIZE of the trailer
    st.next_in = at;
    st.avail_in = avail;
  }
  Status refill() {
    src->have = 0;
    DL_TRY(src->fill(1));
    st.next_in = src->buf.data();
    st.avail_in = uint32_t(src->have);
    return {};
  }
  // After a member's trailer: the end, or the next member's header.
  Status next_member() {
    if (st.avail_in < 2 && !src->eof) {
      std::memmove(src->buf.data(), st.next_in, st.avail_in);
      src->have = st.avail_in;
      DL_TRY(src->fill(2));
      st.next_in = src->buf.data();
      st.avail_in = uint32_t(src->have);
    }
    if (st.avail_in == 0) {
      done = true;
      return {};
    }
    if (!gzip_magic(st.next_in, st.avail_in))
      return invalid("data after the end of the gzip stream (expected another gzip member or the end)");
    start_member(st.next_in, st.avail_in);
    return {};
  }
  Result<size_t> read(char* out, size_t cap) {
    cap = std::min<size_t>(cap, 1u << 30);
    while (!done) {
      if (st.avail_in == 0 && !src->eof) DL_TRY(refill());
      st.next_out = reinterpret_cast<uint8_t*>(out);
      st.avail_out = uint32_t(cap);
      int rc = isal_inflate(&st);
      if (rc < 0) return invalid("corrupt gzip: " + isal_error(rc));
      size_t produced = cap - st.avail_out;
      if (st.block_state == ISAL_BLOCK_FINISH) DL_TRY(next_member());
      if (produced > 0) return produced;
      if (!done && st.avail_in == 0 && src->eof)
        return invalid("truncated gzip stream (it ends before its last block and trailer)");
    }
    return size_t(0);
  }
};
#endif

}  // namespace

ReadFn gunzip_reader(ReadFn in) {
  auto s = std::make_shared<Sniffed>();
  s->in = std::move(in);
  auto started = std::make_shared<ReadFn>();
  // Sniffs on the first read, so that opening stays free of I/O.
  return [s, started](char* out, size_t cap) -> Result<size_t> {
    if (!*started) {
      DL_TRY(s->fill(2));
#ifdef DL_HAVE_ISAL
      if (gzip_magic(s->buf.data(), s->have)) {
        auto z = std::make_shared<Inflating>();
        z->src = s;
        z->start_member(s->buf.data(), uint32_t(s->have));
        *started = [z](char* o, size_t c) { return z->read(o, c); };
      }
#endif
      if (!*started) *started = passthrough(s);
    }
    return (*started)(out, cap);
  };
}

}  // namespace dl::layer
