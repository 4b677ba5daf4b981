#include "builder/resolve/zip_member.h"

#include <zlib.h>

#include <algorithm>
#include <optional>

#include "builder/pypa/name.h"

namespace dl::resolve {

namespace {

constexpr uint32_t kEocdSig = 0x06054b50, kCentralSig = 0x02014b50, kLocalSig = 0x04034b50;
constexpr uint64_t kMaxMetadata = 1 << 20;
constexpr uint64_t kMaxCentralDir = 64ull << 20;

uint32_t u16(const std::string& b, size_t at) { return uint32_t(uint8_t(b[at])) | uint32_t(uint8_t(b[at + 1])) << 8; }
uint32_t u32(const std::string& b, size_t at) { return u16(b, at) | u16(b, at + 2) << 16; }

struct Member {
  uint32_t method = 0, crc = 0, flags = 0;
  uint64_t compressed = 0, size = 0, local_offset = 0;
};

Result<std::string> inflate_raw(const std::string& in, uint64_t expect, const std::string& where) {
  std::string out(expect, '\0');
  z_stream z{};
  if (inflateInit2(&z, -MAX_WBITS) != Z_OK) return Error(ErrorKind::internal, where + ": inflateInit2 failed");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = uInt(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = uInt(out.size());
  int rc = inflate(&z, Z_FINISH);
  uint64_t produced = z.total_out;
  inflateEnd(&z);
  if (rc != Z_STREAM_END || produced != expect)
    return Error(ErrorKind::integrity,
                 where + ": METADATA does not inflate to its recorded " + std::to_string(expect) + " bytes");
  return out;
}

}  // namespace

Result<std::string> read_metadata_member(const ZipTail& tail, const RangeReader& fetch, const std::string& project,
                                         const std::string& where) {
  const std::string& t = tail.bytes;
  // Bytes already in the tail are not fetched again: small wheels need one request.
  RangeReader read_at = [&](uint64_t off, uint64_t len) -> Result<std::string> {
    uint64_t start = tail.size - t.size();
    if (off >= start && off + len <= tail.size) return t.substr(off - start, len);
    return fetch(off, len);
  };
  if (t.size() < 22) return invalid(where + ": not a zip archive (shorter than an end-of-central-directory record)");
  size_t eocd = std::string::npos;
  for (size_t i = t.size() - 22 + 1; i-- > 0;)
    if (u32(t, i) == kEocdSig) {
      eocd = i;
      break;
    }
  if (eocd == std::string::npos) return invalid(where + ": not a zip archive (no end-of-central-directory record)");
  uint64_t entries = u16(t, eocd + 10), cd_size = u32(t, eocd + 12), cd_offset = u32(t, eocd + 16);
  if (entries == 0xffff || cd_size == 0xffffffff || cd_offset == 0xffffffff)
    return Error(ErrorKind::unsupported, where + ": zip64 archive (read whole)");
  uint64_t tail_start = tail.size - t.size();
  if (cd_size > kMaxCentralDir || cd_offset + cd_size > tail_start + eocd)
    return invalid(where + ": central directory out of bounds (offset " + std::to_string(cd_offset) + ")");
  std::string cd;
  if (cd_offset >= tail_start)
    cd = t.substr(cd_offset - tail_start, cd_size);
  else {
    DL_ASSIGN_OR_RETURN(cd, read_at(cd_offset, cd_size));
  }
  const std::string want = pypa::wheel_escape_name(project);
  std::optional<Member> found;
  std::string found_name;
  size_t p = 0;
  for (uint64_t n = 0; n < entries; ++n) {
    if (p + 46 > cd.size() || u32(cd, p) != kCentralSig)
      return invalid(where + ": corrupt central directory entry " + std::to_string(n));
    Member m;
    m.flags = u16(cd, p + 8);
    m.method = u16(cd, p + 10);
    m.crc = u32(cd, p + 16);
    m.compressed = u32(cd, p + 20);
    m.size = u32(cd, p + 24);
    size_t name_len = u16(cd, p + 28), extra_len = u16(cd, p + 30), comment_len = u16(cd, p + 32);
    m.local_offset = u32(cd, p + 42);
    if (p + 46 + name_len + extra_len + comment_len > cd.size())
      return invalid(where + ": corrupt central directory entry " + std::to_string(n));
    std::string name = cd.substr(p + 46, name_len);
    p += 46 + name_len + extra_len + comment_len;
    size_t slash = name.find('/');
    if (slash == std::string::npos || name.substr(slash + 1) != "METADATA") continue;
    std::string dir = name.substr(0, slash);
    if (!dir.ends_with(".dist-info")) continue;
    std::string dist = dir.substr(0, dir.find('-'));
    if (pypa::wheel_escape_name(dist) != want) continue;
    if (found) return invalid(where + ": two METADATA files (" + found_name + ", " + name + ")");
    found = m;
    found_name = name;
  }
  if (!found) return invalid(where + ": no " + want + "-*.dist-info/METADATA in the archive");
  const Member& m = *found;
  if (m.compressed == 0xffffffff || m.size == 0xffffffff || m.local_offset == 0xffffffff)
    return Error(ErrorKind::unsupported, where + ": zip64 member (read whole)");
  if (m.flags & 1) return Error(ErrorKind::unsupported, where + ": encrypted METADATA");
  if (m.size > kMaxMetadata || m.compressed > kMaxMetadata)
    return invalid(where + ": " + found_name + " is " + std::to_string(m.size) + " bytes (expected at most 1 MiB)");
  if (m.method != 0 && m.method != 8)
    return Error(ErrorKind::unsupported, where + ": METADATA compression method " + std::to_string(m.method));
  // Local header: 30 bytes + its own name/extra lengths, then the data. Read
  // the header and a generous guess in one request.
  uint64_t guess = 30 + found_name.size() + 256 + m.compressed;
  guess = std::min<uint64_t>(guess, tail.size - std::min(tail.size, m.local_offset));
  DL_ASSIGN_OR_RETURN(std::string local, read_at(m.local_offset, guess));
  if (local.size() < 30 || u32(local, 0) != kLocalSig)
    return invalid(where + ": corrupt local header for " + found_name);
  uint64_t data_at = 30 + u16(local, 26) + u16(local, 28);
  if (data_at + m.compressed > local.size()) {
    DL_ASSIGN_OR_RETURN(std::string more,
                        read_at(m.local_offset + local.size(), data_at + m.compressed - local.size()));
    local += more;
  }
  std::string raw = local.substr(data_at, m.compressed);
  std::string out;
  if (m.method == 0) {
    if (m.compressed != m.size) return invalid(where + ": stored METADATA with two sizes");
    out = std::move(raw);
  } else {
    DL_ASSIGN_OR_RETURN(out, inflate_raw(raw, m.size, where));
  }
  uLong crc = crc32(0L, reinterpret_cast<const Bytef*>(out.data()), uInt(out.size()));
  if (uint32_t(crc) != m.crc) return Error(ErrorKind::integrity, where + ": METADATA fails its CRC-32");
  return out;
}

}  // namespace dl::resolve
