// The zip reader against archives built byte by byte here, so that each
// field a hostile wheel could lie in is set on purpose.
#include "builder/wheel/zip_reader.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <zlib.h>

#include <fstream>

#include "base/fs.h"
#include "builder/wheel/raw_inflate.h"

namespace dl::wheel {
namespace {

struct Member {
  std::string name, data;
  uint16_t method = 8;
  uint16_t flags = 0;
  uint32_t mode = S_IFREG | 0644;
  bool descriptor = false;  // sizes and CRC after the data, zeros in the local header
};

std::string deflate_raw(const std::string& in) {
  z_stream z{};
  deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, uLong(in.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = uInt(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = uInt(out.size());
  deflate(&z, Z_FINISH);
  out.resize(out.size() - z.avail_out);
  deflateEnd(&z);
  return out;
}

void put16(std::string& s, uint32_t v) { s += char(v & 0xff), s += char((v >> 8) & 0xff); }
void put32(std::string& s, uint32_t v) { put16(s, v & 0xffff), put16(s, v >> 16); }
void put64(std::string& s, uint64_t v) { put32(s, uint32_t(v)), put32(s, uint32_t(v >> 32)); }

// A zip of `members`; with zip64, every size and offset goes through the
// zip64 extra field and end records.
struct Zip {
  std::string bytes;
  std::vector<size_t> local_at;
  size_t dir_at = 0;
};
Zip make_zip(const std::vector<Member>& members, bool zip64 = false) {
  Zip z;
  std::string dir;
  for (auto& m : members) {
    std::string data = m.method == 8 ? deflate_raw(m.data) : m.data;
    uint32_t crc = uint32_t(crc32(0, reinterpret_cast<const Bytef*>(m.data.data()), uInt(m.data.size())));
    uint16_t flags = uint16_t(m.flags | (m.descriptor ? 8 : 0));
    z.local_at.push_back(z.bytes.size());
    std::string& b = z.bytes;
    put32(b, 0x04034b50), put16(b, 20), put16(b, flags), put16(b, m.method), put32(b, 0);
    put32(b, m.descriptor ? 0 : crc), put32(b, m.descriptor ? 0 : uint32_t(data.size()));
    put32(b, m.descriptor ? 0 : uint32_t(m.data.size())), put16(b, uint16_t(m.name.size())), put16(b, 0);
    b += m.name + data;
    if (m.descriptor)
      put32(b, 0x08074b50), put32(b, crc), put32(b, uint32_t(data.size())), put32(b, uint32_t(m.data.size()));
    uint32_t k = 0xffffffff;
    put32(dir, 0x02014b50), put16(dir, 3 << 8 | 20), put16(dir, 20), put16(dir, flags), put16(dir, m.method);
    put32(dir, 0), put32(dir, crc), put32(dir, zip64 ? k : uint32_t(data.size()));
    put32(dir, zip64 ? k : uint32_t(m.data.size())), put16(dir, uint16_t(m.name.size())), put16(dir, zip64 ? 28 : 0);
    put16(dir, 0), put16(dir, 0), put16(dir, 0), put32(dir, m.mode << 16),
        put32(dir, zip64 ? k : uint32_t(z.local_at.back()));
    dir += m.name;
    if (zip64)
      put16(dir, 1), put16(dir, 24), put64(dir, m.data.size()), put64(dir, data.size()), put64(dir, z.local_at.back());
  }
  z.dir_at = z.bytes.size();
  z.bytes += dir;
  uint16_t n = uint16_t(members.size());
  if (zip64) {
    size_t end64 = z.bytes.size();
    std::string& b = z.bytes;
    put32(b, 0x06064b50), put64(b, 44), put16(b, 45), put16(b, 45), put32(b, 0), put32(b, 0);
    put64(b, members.size()), put64(b, members.size()), put64(b, dir.size()), put64(b, z.dir_at);
    put32(b, 0x07064b50), put32(b, 0), put64(b, end64), put32(b, 1);
    put32(b, 0x06054b50), put16(b, 0), put16(b, 0), put16(b, 0xffff), put16(b, 0xffff);
    put32(b, 0xffffffff), put32(b, 0xffffffff), put16(b, 0);
  } else {
    put32(z.bytes, 0x06054b50), put16(z.bytes, 0), put16(z.bytes, 0), put16(z.bytes, n), put16(z.bytes, n);
    put32(z.bytes, uint32_t(dir.size())), put32(z.bytes, uint32_t(z.dir_at)), put16(z.bytes, 0);
  }
  return z;
}

struct Opened {
  TempDir dir;
  Result<std::unique_ptr<ZipReader>> zip = Error(ErrorKind::internal, "unset");
};
std::unique_ptr<Opened> open_bytes(const std::string& bytes) {
  auto o = std::make_unique<Opened>();
  auto p = o->dir.path() / "t.whl";
  std::ofstream(p, std::ios::binary) << bytes;
  o->zip = ZipReader::open(p, "t.whl");
  return o;
}

// Entry `i`, read in small pieces; an error's message instead.
std::string content(ZipReader& z, size_t i, size_t piece = 7) {
  z.start(i);
  std::string out, buf(piece, '\0');
  while (true) {
    auto n = z.read(buf.data(), buf.size());
    if (!n.ok()) return "ERROR " + n.error().message();
    if (*n == 0) return out;
    out.append(buf.data(), *n);
  }
}

std::string open_error(const std::string& bytes) {
  auto o = open_bytes(bytes);
  return o->zip.ok() ? "opened" : o->zip.error().message();
}

const std::string kText = std::string(5000, 'a') + "some text that deflates\n";

TEST(ZipReader, StoredDeflatedAndDescriptorEntriesReadBack) {
  auto o = open_bytes(make_zip({{"pkg/", "", 0, 0, S_IFDIR | 0755},
                                {"pkg/a.txt", "stored bytes", 0},
                                {"pkg/b.txt", kText, 8},
                                {"pkg/run.sh", kText, 8, 0, S_IFREG | 0755, true}})
                          .bytes);
  ASSERT_TRUE(o->zip.ok()) << o->zip.error().message();
  auto& z = **o->zip;
  ASSERT_EQ(z.entries().size(), 4u);
  EXPECT_EQ(z.entries()[0].type, uint32_t(S_IFDIR));
  EXPECT_EQ(z.entries()[1].type, uint32_t(S_IFREG));
  EXPECT_EQ(z.entries()[3].perm, 0755u);
  EXPECT_EQ(z.entries()[2].size, kText.size());
  EXPECT_LT(z.entries()[2].compressed_size, kText.size());
  EXPECT_EQ(content(z, 1), "stored bytes");
  EXPECT_EQ(content(z, 2), kText);
  EXPECT_EQ(content(z, 3, 1 << 16), kText);
  EXPECT_EQ(content(z, 2, 1), kText);  // out of order, again, a byte at a time
}

TEST(ZipReader, Zip64RecordsAndExtraFields) {
  auto o = open_bytes(make_zip({{"a.txt", kText}, {"b.txt", "x", 0}}, true).bytes);
  ASSERT_TRUE(o->zip.ok()) << o->zip.error().message();
  ASSERT_EQ((*o->zip)->entries().size(), 2u);
  EXPECT_EQ(content(**o->zip, 0), kText);
  EXPECT_EQ(content(**o->zip, 1), "x");
}

TEST(ZipReader, RefusesEncryptedAndUnknownMethods) {
  EXPECT_EQ(open_error(make_zip({{"a.txt", "x", 0, 1}}).bytes),
            "t.whl: entry a.txt: is encrypted (expected plain entries)");
  EXPECT_EQ(open_error(make_zip({{"a.txt", "x", 12}}).bytes),
            "t.whl: entry a.txt: compression method 12 (expected stored (0) or deflate (8))");
}

TEST(ZipReader, SizesDeflateCannotHoldAreRefused) {
  auto z = make_zip({{"a.txt", std::string(100000, 'z')}});
  size_t csize = size_t(uint8_t(z.bytes[z.dir_at + 20])) | size_t(uint8_t(z.bytes[z.dir_at + 21])) << 8;
  std::string lie = z.bytes;
  for (size_t at : {z.dir_at + 24, z.local_at[0] + 22}) lie[at + 3] = 0x7f;  // ~2 GB
  EXPECT_EQ(open_error(lie), "t.whl: entry a.txt: declares " + std::to_string(0x7f000000 + 100000) + " bytes from " +
                                 std::to_string(csize) +
                                 " bytes of deflate data, more than deflate can hold (zip bomb?)");
}

TEST(ZipReader, LocalHeaderMustAgreeWithTheDirectory) {
  auto z = make_zip({{"a.txt", kText}});
  auto size_lie = z.bytes;
  size_lie[z.local_at[0] + 22] ^= 1;  // uncompressed size
  EXPECT_EQ(open_error(size_lie),
            "t.whl: entry a.txt: the local header's sizes or CRC32 differ from the central directory's");
  auto name_lie = z.bytes;
  name_lie[z.local_at[0] + 30] = 'b';
  EXPECT_EQ(open_error(name_lie), "t.whl: entry a.txt: the local header names another file than the central directory");
}

TEST(ZipReader, OverlappingEntriesAreRefused) {
  // b's local header and data sit inside a's stored data.
  std::string inner;
  put32(inner, 0x04034b50), put16(inner, 20), put16(inner, 0), put16(inner, 0), put32(inner, 0);
  put32(inner, uint32_t(crc32(0, reinterpret_cast<const Bytef*>("x"), 1))), put32(inner, 1), put32(inner, 1);
  put16(inner, 5), put16(inner, 0);
  inner += "b.txt";
  inner += "x";
  auto z = make_zip({{"a.txt", inner, 0}, {"b.txt", "x", 0}});
  // Point b's directory entry at the copy inside a, then drop the real one
  // (the directory follows, so only its offset field changes).
  std::string bytes = z.bytes;
  size_t dir_b = bytes.find(std::string("PK\x01\x02", 4), z.dir_at + 4);
  uint32_t inside = uint32_t(z.local_at[0] + 30 + 5);
  for (int i = 0; i < 4; ++i) bytes[dir_b + 42 + size_t(i)] = char((inside >> (8 * i)) & 0xff);
  EXPECT_EQ(open_error(bytes),
            "t.whl: corrupt zip: entries a.txt and b.txt overlap (expected every entry to have bytes of its own)");
}

TEST(ZipReader, DirectoryMustEndAtTheEndRecord) {
  auto z = make_zip({{"a.txt", "x", 0}});
  std::string bytes = z.bytes;
  bytes.insert(bytes.size() - 22, "junk");
  EXPECT_NE(open_error(bytes).find("does not end where the end record starts"), std::string::npos) << open_error(bytes);
  EXPECT_EQ(open_error("not a zip at all, but long enough to have a tail"),
            "t.whl: not a zip (no end of central directory record)");
}

TEST(ZipReader, ContentIsCheckedAgainstCrcAndSize) {
  auto z = make_zip({{"a.txt", "hello", 0}, {"b.txt", kText}});
  std::string bad_crc = z.bytes;
  bad_crc[z.local_at[0] + 30 + 5] = 'j';  // stored data: "jello"
  auto o = open_bytes(bad_crc);
  ASSERT_TRUE(o->zip.ok());
  EXPECT_EQ(
      content(**o->zip, 0),
      "ERROR t.whl: entry a.txt: CRC32 " +
          [] {
            char b[9];
            std::snprintf(b, sizeof b, "%08x", uint32_t(crc32(0, reinterpret_cast<const Bytef*>("jello"), 5)));
            return std::string(b);
          }() +
          " of the content does not match the zip directory's " +
          [] {
            char b[9];
            std::snprintf(b, sizeof b, "%08x", uint32_t(crc32(0, reinterpret_cast<const Bytef*>("hello"), 5)));
            return std::string(b);
          }());
  // A deflate stream cut short inside its entry (the rest zeroed).
  std::string cut = z.bytes;
  size_t data = z.local_at[1] + 30 + 5, len = z.dir_at - data;
  for (size_t i = len / 2; i < len; ++i) cut[data + i] = 0;
  auto c = open_bytes(cut);
  ASSERT_TRUE(c->zip.ok());
  auto got = content(**c->zip, 1);
  EXPECT_TRUE(got.starts_with("ERROR t.whl: entry b.txt: ")) << got;
}

TEST(ZipReader, NamesAndTypes) {
  Member dos{"dir\\file.txt", "x", 0};
  auto z = make_zip({dos, {"link", "/etc/passwd", 0, 0, S_IFLNK | 0777}, {"sub/", "", 0, 0, 0}});
  z.bytes[z.dir_at + 5] = 0;  // the first entry made on MS-DOS: no Unix mode
  auto o = open_bytes(z.bytes);
  ASSERT_TRUE(o->zip.ok()) << o->zip.error().message();
  auto& e = (*o->zip)->entries();
  EXPECT_EQ(e[0].name, "dir/file.txt");
  EXPECT_EQ(e[0].type, uint32_t(S_IFREG));
  EXPECT_EQ(e[0].perm, 0644u);
  EXPECT_EQ(e[1].type, uint32_t(S_IFLNK));
  EXPECT_EQ(e[2].type, uint32_t(S_IFDIR));  // a trailing "/" without any mode
}

TEST(ZipReader, Crc32MatchesZlib) {
  std::string s = kText + kText;
  auto* p = reinterpret_cast<const uint8_t*>(s.data());
  uint32_t want = uint32_t(crc32(0, p, uInt(s.size())));
  EXPECT_EQ(crc32_update(0, p, s.size()), want);
  EXPECT_EQ(crc32_update(crc32_update(0, p, 100), p + 100, s.size() - 100), want);
}

}  // namespace
}  // namespace dl::wheel
