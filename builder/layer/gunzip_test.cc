#include "builder/layer/gunzip.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <random>

namespace dl::layer {
namespace {

std::string gzip(const std::string& in) {
  z_stream z{};
  deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, uLong(in.size())) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = uInt(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = uInt(out.size());
  deflate(&z, Z_FINISH);
  out.resize(out.size() - z.avail_out);
  deflateEnd(&z);
  return out;
}

// A reader over `s` that hands out at most `piece` bytes per call.
ReadFn over(std::string s, size_t piece) {
  auto pos = std::make_shared<size_t>(0);
  auto data = std::make_shared<std::string>(std::move(s));
  return [=](char* buf, size_t cap) -> Result<size_t> {
    size_t n = std::min({cap, piece, data->size() - *pos});
    std::memcpy(buf, data->data() + *pos, n);
    *pos += n;
    return n;
  };
}

Result<std::string> drain(ReadFn r, size_t cap = 4096) {
  std::string out, buf(cap, '\0');
  while (true) {
    DL_ASSIGN_OR_RETURN(size_t n, r(buf.data(), buf.size()));
    if (n == 0) return out;
    out.append(buf.data(), n);
  }
}

std::string payload() {
  std::mt19937 rng(7);
  std::string s;
  for (int i = 0; i < 200000; ++i) s += (i % 3) ? char('a' + rng() % 4) : char(rng());
  return s;
}

TEST(Gunzip, InflatesWhateverTheReadSizes) {
  std::string p = payload();
  for (size_t piece : {size_t(1), size_t(1000), size_t(1) << 20}) {
    auto r = drain(gunzip_reader(over(gzip(p), piece)), piece == 1 ? 3 : 65536);
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(*r, p) << piece;
  }
}

TEST(Gunzip, EveryMemberOfAMultiMemberStream) {
  auto r = drain(gunzip_reader(over(gzip("first ") + gzip("") + gzip("second"), 5)));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(*r, "first second");
}

TEST(Gunzip, NotGzipPassesThrough) {
  std::string tar(1024, '\0');
  tar.replace(0, 5, "hello");
  auto r = drain(gunzip_reader(over(tar, 100)));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, tar);
  auto empty = drain(gunzip_reader(over("", 1)));
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, "");
}

#if defined(__x86_64__)  // ISA-L is required there (CMakeLists.txt); elsewhere gzip passes through
TEST(Gunzip, CorruptTruncatedAndTrailingDataFail) {
  std::string g = gzip(payload());
  std::string bad_crc = g;
  bad_crc[bad_crc.size() - 6] ^= 0x55;  // inside the trailer's CRC32
  auto c = drain(gunzip_reader(over(bad_crc, 4096)));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().message(), "corrupt gzip: CRC32 or length in the gzip trailer does not match the content");
  auto t = drain(gunzip_reader(over(g.substr(0, g.size() / 2), 4096)));
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().message(), "truncated gzip stream (it ends before its last block and trailer)");
  auto j = drain(gunzip_reader(over(gzip("x") + "junk", 4096)));
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.error().message(), "data after the end of the gzip stream (expected another gzip member or the end)");
}
#endif

}  // namespace
}  // namespace dl::layer
