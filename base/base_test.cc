#include <gtest/gtest.h>

#include "base/base64.h"
#include "base/decimal.h"
#include "base/fs.h"
#include "base/sha256.h"
#include "base/strings.h"

namespace dl {

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(Sha256::hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Sha256 h;
  h.update("ab");
  h.update("c");
  EXPECT_EQ(h.hex_digest(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Digest, ParseRejectsWithReason) {
  EXPECT_TRUE(Digest::parse("sha256:" + std::string(64, 'a')).ok());
  auto r = Digest::parse("md5:abc");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "digest 'md5:abc': unsupported algorithm 'md5', expected sha256");
  EXPECT_FALSE(Digest::parse("sha256:ABC").ok());
}

TEST(AtomicFile, UncommittedWriteLeavesTargetUntouched) {
  TempDir d;
  auto target = d.path() / "f";
  ASSERT_TRUE(write_file_atomic(target, "old").ok());
  {
    auto f = AtomicFile::create(target);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE(f->write("new-but-abandoned").ok());
  }
  EXPECT_EQ(*read_file(target), "old");
  int entries = 0;
  for ([[maybe_unused]] auto& e : fs::directory_iterator(d.path())) ++entries;
  EXPECT_EQ(entries, 1) << "temp file left behind";
}

TEST(Base64, RoundTripsBothAlphabetsAndRefusesGarbage) {
  for (std::string s : std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string(1000, char(0xff))}) {
    for (Base64 alphabet : {Base64::standard, Base64::url}) {
      auto d = base64_decode(base64_encode(s, alphabet));
      ASSERT_TRUE(d.has_value());
      EXPECT_EQ(*d, s);
    }
  }
  EXPECT_EQ(base64_encode("user:pass"), "dXNlcjpwYXNz");
  EXPECT_EQ(base64_encode("a"), "YQ==");
  EXPECT_EQ(base64_encode("ab"), "YWI=");
  EXPECT_EQ(base64_encode("\xfb\xff"), "+/8=");
  EXPECT_EQ(base64_encode("\xfb\xff", Base64::url), "-_8");  // RFC 7515 / RECORD: no padding
  EXPECT_EQ(*base64_decode("YQ"), "a");
  EXPECT_EQ(*base64_decode("aGVs\nbG8=\n"), "hello");  // PEM and config files break lines
  EXPECT_FALSE(base64_decode("a$b=").has_value());
  EXPECT_FALSE(base64_decode("**").has_value());
  EXPECT_FALSE(base64_decode("YWJjZ").has_value());  // a lone trailing symbol is no encoding
}

TEST(Strings, NearestSuggestsTyposOnly) {
  EXPECT_EQ(nearest("acelerator", {"accelerator", "python", "isa"}), "accelerator");
  EXPECT_EQ(nearest("zzzzzz", {"accelerator", "python"}), "");
  // A swapped pair is one edit, and an equal distance prefers the same length.
  EXPECT_EQ(edit_distance("pyhton", "python"), 1u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(nearest("avx3", {"cpu", "avx", "avx2"}), "avx2");
  EXPECT_EQ(nearest("avx3", {"avx2", "avx"}), "avx2");
  EXPECT_EQ(nearest("tf", {"tensorflow", "torch"}), "");
  EXPECT_TRUE(glob_match("1.*-cpu", "1.12-cpu"));
  EXPECT_FALSE(glob_match("1.*-cpu", "1.12-cpu-avx"));
}

TEST(Decimal, DigitsOnlyAndNoOverflow) {
  EXPECT_EQ(parse_decimal("0"), 0u);
  EXPECT_EQ(parse_decimal("1024"), 1024u);
  EXPECT_EQ(parse_decimal("18446744073709551615"), UINT64_MAX);
  for (const char* bad : {"", "12x", "x12", " 12", "12 ", "-1", "+1", "1.5", "0x10", "18446744073709551616"})
    EXPECT_FALSE(parse_decimal(bad).has_value()) << bad;
}

}  // namespace dl
