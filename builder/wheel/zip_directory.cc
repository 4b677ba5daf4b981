// ZipReader::open: the end record, the central directory and the local
// headers, each checked against the others (zip_reader.h lists the rules).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "builder/wheel/raw_inflate.h"
#include "builder/wheel/zip_io.h"
#include "builder/wheel/zip_reader.h"

namespace dl::wheel {

namespace {

constexpr uint32_t kEndSig = 0x06054b50, kEnd64Sig = 0x06064b50, kLocatorSig = 0x07064b50;
constexpr uint32_t kDirSig = 0x02014b50, kLocalSig = 0x04034b50;
constexpr uint64_t kMaxEntries = 1u << 20;        // torch's biggest wheels hold ~15k files
constexpr uint64_t kMaxDirectory = 256ull << 20;  // their central directories ~2 MB
constexpr uint32_t k32 = 0xffffffff;

struct Where {
  uint64_t start = 0, end = 0;  // local header .. end of data
  size_t index = 0;
};

// The zip64 extended information extra field (0x0001) of a central
// directory entry: the 64-bit values of the fields that are all ones.
Status read_zip64_extra(const uint8_t* x, size_t len, ZipEntry& e, uint64_t& offset, bool& want_size, bool& want_csize,
                        bool& want_offset) {
  while (len >= 4) {
    uint16_t id = zip_le16(x), n = zip_le16(x + 2);
    if (size_t(n) + 4 > len) return invalid("extra field runs past its entry");
    if (id == 0x0001) {
      const uint8_t* p = x + 4;
      size_t left = n;
      auto take = [&](bool& want, uint64_t& v) {
        if (!want || left < 8) return;
        v = zip_le64(p), p += 8, left -= 8, want = false;
      };
      take(want_size, e.size);
      take(want_csize, e.compressed_size);
      take(want_offset, offset);
    }
    x += 4 + n;
    len -= 4 + n;
  }
  if (want_size || want_csize || want_offset) return invalid("zip64 sizes or offset are missing from its extra field");
  return {};
}

void set_type(ZipEntry& e, uint16_t made_by, uint32_t external) {
  if ((made_by >> 8) == 3) {  // Unix: st_mode in the high half
    e.type = (external >> 16) & S_IFMT;
    e.perm = (external >> 16) & 07777;
  } else {  // MS-DOS attributes (0x10: directory)
    e.type = (external & 0x10) ? S_IFDIR : S_IFREG;
    e.perm = 0644;
  }
  // As libarchive: a trailing "/" is a directory whatever the attributes say.
  if (!e.name.empty() && e.name.back() == '/') e.type = S_IFDIR;
  if (e.type == 0) e.type = S_IFREG;
}

}  // namespace

Result<std::unique_ptr<ZipReader>> ZipReader::open(const std::filesystem::path& file, const std::string& label) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error(ErrorKind::not_found, label + ": cannot open as a zip: " + std::strerror(errno));
  std::unique_ptr<ZipReader> z(new ZipReader);
  z->fd_ = fd;
  z->label_ = label;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return invalid(label + ": not a regular file");
  z->file_size_ = uint64_t(st.st_size);
  DL_TRY(z->parse(label));
  return z;
}

Status ZipReader::parse(const std::string& label) {
  auto bad = [&](const std::string& what) -> Status { return invalid(label + ": corrupt zip: " + what); };
  if (file_size_ < 22) return invalid(label + ": not a zip (" + std::to_string(file_size_) + " bytes)");
  // The end record: the last one whose comment runs exactly to the end.
  size_t tail = size_t(std::min<uint64_t>(file_size_, 22 + 0xffff));
  std::vector<uint8_t> t(tail);
  DL_TRY(zip_pread(fd_, t.data(), tail, file_size_ - tail, label));
  size_t pos = tail;
  for (size_t i = tail - 22 + 1; i-- > 0;)
    if (zip_le32(&t[i]) == kEndSig && i + 22 + zip_le16(&t[i + 20]) == tail) {
      pos = i;
      break;
    }
  if (pos == tail) return invalid(label + ": not a zip (no end of central directory record)");
  const uint8_t* e = &t[pos];
  uint64_t end_at = file_size_ - tail + pos, dir_end = end_at;
  uint64_t disk = zip_le16(e + 4), dir_disk = zip_le16(e + 6), count_here = zip_le16(e + 8);
  uint64_t count = zip_le16(e + 10), dir_size = zip_le32(e + 12), dir_at = zip_le32(e + 16);
  uint8_t loc[20];
  if (end_at >= 20 && zip_pread(fd_, loc, 20, end_at - 20, label).ok() && zip_le32(loc) == kLocatorSig) {
    uint64_t at = zip_le64(loc + 8);
    if (zip_le32(loc + 4) != 0 || zip_le32(loc + 16) != 1) return bad("zip64 locator names several disks");
    uint8_t r[56];
    if (at > end_at - 20 || end_at - 20 - at < 56) return bad("zip64 end record out of range");
    DL_TRY(zip_pread(fd_, r, 56, at, label));
    if (zip_le32(r) != kEnd64Sig || zip_le64(r + 4) + 12 != end_at - 20 - at)
      return bad("zip64 locator does not point at a zip64 end record just before it");
    disk = zip_le32(r + 16), dir_disk = zip_le32(r + 20), count_here = zip_le64(r + 24);
    count = zip_le64(r + 32), dir_size = zip_le64(r + 40), dir_at = zip_le64(r + 48), dir_end = at;
  }
  if (disk != 0 || dir_disk != 0 || count_here != count) return bad("spans several disks (expected one file)");
  if (count > kMaxEntries)
    return bad(std::to_string(count) + " entries (expected at most " + std::to_string(kMaxEntries) + ")");
  if (dir_size > kMaxDirectory) return bad("central directory of " + std::to_string(dir_size) + " bytes");
  if (dir_at > dir_end || dir_end - dir_at != dir_size)
    return bad("central directory at " + std::to_string(dir_at) + " of " + std::to_string(dir_size) +
               " bytes does not end where the end record starts (" + std::to_string(dir_end) + ")");

  std::vector<uint8_t> dir(dir_size);
  DL_TRY(zip_pread(fd_, dir.data(), dir.size(), dir_at, label));
  std::vector<std::string> raw_names;
  std::vector<uint64_t> header_at;
  std::vector<uint16_t> flags_of;
  size_t p = 0;
  for (uint64_t i = 0; i < count; ++i) {
    if (dir.size() - p < 46 || zip_le32(&dir[p]) != kDirSig)
      return bad("central directory entry " + std::to_string(i + 1) + " of " + std::to_string(count) +
                 " is missing or cut short");
    const uint8_t* h = &dir[p];
    size_t name_len = zip_le16(h + 28), extra_len = zip_le16(h + 30), comment_len = zip_le16(h + 32);
    if (dir.size() - p - 46 < name_len + extra_len + comment_len)
      return bad("central directory entry " + std::to_string(i + 1) + " runs past the directory");
    ZipEntry ze;
    std::string raw(reinterpret_cast<const char*>(h + 46), name_len);
    ze.name = raw;
    std::replace(ze.name.begin(), ze.name.end(), '\\', '/');
    auto fail = [&](const std::string& what) { return invalid(label + ": entry " + ze.name + ": " + what); };
    uint16_t flags = zip_le16(h + 8);
    ze.method = zip_le16(h + 10);
    ze.crc32 = zip_le32(h + 16);
    ze.compressed_size = zip_le32(h + 20);
    ze.size = zip_le32(h + 24);
    uint64_t at = zip_le32(h + 42);
    bool want_csize = ze.compressed_size == k32, want_size = ze.size == k32, want_at = at == k32;
    if (auto x = read_zip64_extra(h + 46 + name_len, extra_len, ze, at, want_size, want_csize, want_at); !x.ok())
      return fail(x.error().message());
    if (zip_le16(h + 34) != 0) return fail("starts on another disk (expected a single-file zip)");
    if (flags & 0x2041) return fail("is encrypted (expected plain entries)");
    if (ze.method != 0 && ze.method != 8)
      return fail("compression method " + std::to_string(ze.method) + " (expected stored (0) or deflate (8))");
    if (ze.method == 0 && ze.compressed_size != ze.size)
      return fail("stored with " + std::to_string(ze.compressed_size) + " bytes of data for " +
                  std::to_string(ze.size) + " bytes of content");
    // Deflate cannot expand a byte into more than 1032 (258-byte matches of
    // one bit each, roughly): a larger declared size is a lie.
    if (ze.method == 8 && ze.size / 1032 > ze.compressed_size + 16)
      return fail("declares " + std::to_string(ze.size) + " bytes from " + std::to_string(ze.compressed_size) +
                  " bytes of deflate data, more than deflate can hold (zip bomb?)");
    set_type(ze, zip_le16(h + 4), zip_le32(h + 38));
    if (ze.type == S_IFDIR && ze.size != 0) return fail("is a directory with " + std::to_string(ze.size) + " bytes");
    p += 46 + name_len + extra_len + comment_len;
    raw_names.push_back(std::move(raw));
    header_at.push_back(at);
    flags_of.push_back(flags);
    entries_.push_back(std::move(ze));
  }
  if (p != dir.size()) return bad(std::to_string(dir.size() - p) + " bytes after the last central directory entry");
  return check_local_headers(label, raw_names, header_at, flags_of, dir_at);
}

Status ZipReader::check_local_headers(const std::string& label, const std::vector<std::string>& raw_names,
                                      const std::vector<uint64_t>& header_at, const std::vector<uint16_t>& flags,
                                      uint64_t dir_at) {
  std::vector<Where> spans;
  std::vector<uint8_t> h;
  for (size_t i = 0; i < entries_.size(); ++i) {
    ZipEntry& e = entries_[i];
    auto fail = [&](const std::string& what) { return invalid(label + ": entry " + e.name + ": " + what); };
    const std::string& raw = raw_names[i];
    uint64_t at = header_at[i];
    if (at > dir_at || dir_at - at < 30 + raw.size()) return fail("local header out of range");
    h.resize(30 + raw.size());
    DL_TRY(zip_pread(fd_, h.data(), h.size(), at, label));
    if (zip_le32(h.data()) != kLocalSig) return fail("no local header at offset " + std::to_string(at));
    if (zip_le16(&h[26]) != raw.size() || std::memcmp(&h[30], raw.data(), raw.size()) != 0)
      return fail("the local header names another file than the central directory");
    uint16_t local_flags = zip_le16(&h[6]);
    if (zip_le16(&h[8]) != e.method || (local_flags & 0x2041) != (flags[i] & 0x2041))
      return fail("the local header's method or encryption differ from the central directory's");
    if (!(local_flags & 0x08)) {  // no data descriptor: the local header has the real values
      uint32_t crc = zip_le32(&h[14]), csize = zip_le32(&h[18]), size = zip_le32(&h[22]);
      if (crc != e.crc32 || (csize != k32 && csize != e.compressed_size) || (size != k32 && size != e.size))
        return fail("the local header's sizes or CRC32 differ from the central directory's");
    }
    e.data_offset = at + 30 + raw.size() + zip_le16(&h[28]);
    if (e.data_offset > dir_at || dir_at - e.data_offset < e.compressed_size)
      return fail("data runs past the start of the central directory");
    spans.push_back({at, e.data_offset + e.compressed_size, i});
  }
  std::sort(spans.begin(), spans.end(), [](const Where& a, const Where& b) { return a.start < b.start; });
  for (size_t k = 1; k < spans.size(); ++k)
    if (spans[k].start < spans[k - 1].end)
      return invalid(label + ": corrupt zip: entries " + entries_[spans[k - 1].index].name + " and " +
                     entries_[spans[k].index].name + " overlap (expected every entry to have bytes of its own)");
  return {};
}

}  // namespace dl::wheel
