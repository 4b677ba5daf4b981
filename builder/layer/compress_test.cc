#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <random>

#include "builder/layer/compress.h"

namespace dl::layer {
namespace {

std::string sample(size_t n, unsigned seed) {
  // Half text-like (compressible), half random: exercises both paths.
  std::mt19937 rng(seed);
  std::string s;
  s.reserve(n);
  while (s.size() < n) {
    if ((s.size() / 100000) % 2 == 0) {
      s += "line " + std::to_string(rng() % 1000) + " of some fairly repetitive text\n";
    } else {
      s.push_back(char(rng()));
    }
  }
  s.resize(n);
  return s;
}

std::string compress(const std::string& in, CompressOptions o, size_t chunk = 7777) {
  StringSink out;
  auto c = make_compressor(o, &out);
  EXPECT_TRUE(c.ok()) << c.error().message();
  for (size_t i = 0; i < in.size(); i += chunk) {
    auto s = (*c)->write(in.data() + i, std::min(chunk, in.size() - i));
    EXPECT_TRUE(s.ok());
  }
  EXPECT_TRUE((*c)->finish().ok());
  return out.out;
}

std::string gunzip(const std::string& in) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 16 + 15), Z_OK);
  std::string out;
  char buf[65536];
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = uInt(in.size());
  int rc;
  do {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
  } while (rc == Z_OK);
  EXPECT_EQ(rc, Z_STREAM_END) << "gzip stream not properly ended";
  EXPECT_EQ(z.avail_in, 0u) << "trailing bytes after the single gzip member";
  inflateEnd(&z);
  return out;
}

TEST(Gzip, FixedHeaderAndRoundTripAtEveryEngine) {
  std::string in = sample(3 * 1024 * 1024 + 123, 1);
  for (int level : {1, 3, 6, 9}) {
    std::string gz = compress(in, {Compression::gzip, level, 1});
    ASSERT_GE(gz.size(), 18u);
    const unsigned char want[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};
    EXPECT_EQ(gz.substr(0, 10), std::string(reinterpret_cast<const char*>(want), 10)) << "level " << level;
    EXPECT_EQ(gunzip(gz), in) << "level " << level << " engine " << gzip_engine(level);
    EXPECT_LT(gz.size(), in.size() * 3 / 4);
  }
}

TEST(Gzip, ThreadCountDoesNotChangeBytes) {
  std::string in = sample(5 * 1024 * 1024 + 5, 2);
  for (int level : {1, 6}) {
    std::string a = compress(in, {Compression::gzip, level, 1}, 4096);
    std::string b = compress(in, {Compression::gzip, level, 2}, 1 << 20);
    std::string c = compress(in, {Compression::gzip, level, 4}, 333);
    EXPECT_EQ(a, b) << "level " << level;
    EXPECT_EQ(a, c) << "level " << level;
  }
}

TEST(Gzip, EmptyAndExactBlockMultiple) {
  EXPECT_EQ(gunzip(compress("", {Compression::gzip, 1, 2})), "");
  std::string in = sample(1024 * 1024, 3);  // exactly two 512 KiB blocks
  EXPECT_EQ(gunzip(compress(in, {Compression::gzip, 6, 2})), in);
  EXPECT_EQ(gunzip(compress(in, {Compression::gzip, 1, 2})), in);
}

TEST(Zstd, FrameDecodesAndThreadsAgree) {
  std::string in = sample(24 * 1024 * 1024, 4);  // several 8 MiB zstd jobs
  std::string a = compress(in, {Compression::zstd, 3, 1});
  std::string b = compress(in, {Compression::zstd, 3, 2});
  EXPECT_EQ(a, b);
  ASSERT_GE(a.size(), 4u);
  EXPECT_EQ(static_cast<unsigned char>(a[0]), 0x28);  // zstd magic 28 b5 2f fd
  ZSTD_DStream* d = ZSTD_createDStream();
  std::string out(ZSTD_DStreamOutSize(), '\0'), got;
  ZSTD_inBuffer ib{a.data(), a.size(), 0};
  size_t rc = 1;
  while (ib.pos < ib.size) {
    ZSTD_outBuffer ob{out.data(), out.size(), 0};
    rc = ZSTD_decompressStream(d, &ob, &ib);
    ASSERT_FALSE(ZSTD_isError(rc)) << ZSTD_getErrorName(rc);
    got.append(out.data(), ob.pos);
  }
  ZSTD_freeDStream(d);
  EXPECT_EQ(rc, 0u);
  EXPECT_EQ(got, in);
}

TEST(Compression, OptionsAreValidated) {
  StringSink out;
  EXPECT_FALSE(make_compressor({Compression::gzip, 12, 1}, &out).ok());
  EXPECT_FALSE(make_compressor({Compression::zstd, 40, 1}, &out).ok());
  auto bad = parse_compression("lz4");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("expected gzip, zstd or none"), std::string::npos);
  EXPECT_EQ(*parse_compression("zstd"), Compression::zstd);
}

}  // namespace
}  // namespace dl::layer
