#include "builder/deb/ld_cache_file.h"

#include <algorithm>
#include <bit>
#include <map>

namespace dl::deb {

namespace {
constexpr std::string_view kMagicNew = "glibc-ld.so.cache1.1";
constexpr std::string_view kMagicOld = "ld.so-1.7.0";
constexpr std::uint32_t kExtensionMagic = 0xeaa42174u;
constexpr std::uint8_t kLittleEndian = 2;
constexpr std::size_t kHeader = 48, kEntry = 24;
constexpr std::uint32_t kMaxEntries = 1u << 20;

void put(std::string& s, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) s += char((v >> (8 * i)) & 0xff);
}
std::uint64_t get(std::string_view s, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s[at + size_t(i)]);
  return v;
}

int compare(const LdCacheEntry& a, const LdCacheEntry& b) {
  int res = dl_cache_libcmp(b.key, a.key);
  if (res != 0) return res;
  if (a.flags != b.flags) return a.flags < b.flags ? 1 : -1;
  int ba = std::popcount(a.hwcap), bb = std::popcount(b.hwcap);
  if (ba != bb) return bb > ba ? 1 : -1;
  if (a.hwcap != b.hwcap) return b.hwcap > a.hwcap ? 1 : -1;
  if (a.osversion != b.osversion) return b.osversion > a.osversion ? 1 : -1;
  return 0;
}
}  // namespace

int dl_cache_libcmp(std::string_view a, std::string_view b) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  size_t i = 0, j = 0;
  // As C strings: past the end reads as NUL.
  auto at = [](std::string_view s, size_t k) { return k < s.size() ? s[k] : '\0'; };
  while (at(a, i) != '\0') {
    if (digit(at(a, i))) {
      if (!digit(at(b, j))) return 1;
      std::uint32_t va = 0, vb = 0;  // wraps like the loader's int arithmetic
      while (digit(at(a, i))) va = va * 10 + std::uint32_t(a[i++] - '0');
      while (digit(at(b, j))) vb = vb * 10 + std::uint32_t(b[j++] - '0');
      if (va != vb) return static_cast<std::int32_t>(va - vb);
    } else if (digit(at(b, j))) {
      return -1;
    } else if (at(a, i) != at(b, j)) {
      // char is signed on x86-64, where the loader computes this.
      return static_cast<signed char>(at(a, i)) - static_cast<signed char>(at(b, j));
    } else {
      ++i, ++j;
    }
  }
  return -static_cast<int>(static_cast<signed char>(at(b, j)));
}

void sort_ld_cache(std::vector<LdCacheEntry>& entries) {
  std::stable_sort(entries.begin(), entries.end(),
                   [](const LdCacheEntry& a, const LdCacheEntry& b) { return compare(a, b) < 0; });
}

std::string encode_ld_cache(const std::vector<LdCacheEntry>& entries, std::string_view generator) {
  // One copy of each string, in order of first use.
  std::string strings;
  std::map<std::string, std::uint32_t> index;
  const std::uint32_t base = std::uint32_t(kHeader + kEntry * entries.size());
  auto intern = [&](const std::string& s) {
    auto [it, fresh] = index.emplace(s, base + std::uint32_t(strings.size()));
    if (fresh) strings.append(s).push_back('\0');
    return it->second;
  };
  std::string body;
  for (const auto& e : entries) {
    put(body, std::uint32_t(e.flags), 4);
    put(body, intern(e.key), 4);
    put(body, intern(e.value), 4);
    put(body, e.osversion, 4);
    put(body, e.hwcap, 8);
  }
  std::uint32_t ext = (base + std::uint32_t(strings.size()) + 3) & ~3u;
  std::string out(kMagicNew);
  put(out, entries.size(), 4);
  put(out, strings.size(), 4);
  put(out, kLittleEndian, 1);
  put(out, 0, 3);
  put(out, ext, 4);
  out.append(12, '\0');  // unused[3]
  out += body;
  out += strings;
  out.resize(ext, '\0');
  // The extension directory: one section, the generator string after it.
  put(out, kExtensionMagic, 4);
  put(out, 1, 4);
  put(out, 0, 4);  // cache_extension_tag_generator
  put(out, 0, 4);
  put(out, ext + 8 + 16, 4);
  put(out, generator.size(), 4);
  out += generator;
  return out;
}

Result<std::vector<LdCacheEntry>> parse_ld_cache(std::string_view b, const std::string& name) {
  auto bad = [&](const std::string& why) { return invalid(name + ": not a glibc ld.so.cache: " + why); };
  size_t start = 0;
  std::uint64_t old_count = 0;
  bool old = b.substr(0, kMagicOld.size()) == kMagicOld;
  if (old) {
    if (b.size() < 16) return bad("truncated header");
    old_count = get(b, 12, 4);
    if (old_count > (b.size() - 16) / 12) return bad("more entries than bytes");
    start = (16 + 12 * old_count + 7) & ~std::uint64_t(7);
  }
  auto string_at = [&](std::uint64_t off, std::string& out) {
    if (off >= b.size()) return false;
    size_t nul = b.find('\0', size_t(off));
    if (nul == std::string_view::npos) return false;
    out.assign(b.substr(size_t(off), nul - size_t(off)));
    return true;
  };
  std::vector<LdCacheEntry> out;
  bool have_new = b.size() >= start + kHeader && b.substr(start, kMagicNew.size()) == kMagicNew;
  if (!have_new && !old) return bad("unknown magic");
  if (!have_new) {  // the old format alone: strings follow its entries
    const std::uint64_t strings = 16 + 12 * old_count;
    for (std::uint64_t i = 0; i < old_count; ++i) {
      LdCacheEntry e;
      size_t at = size_t(16 + 12 * i);
      e.flags = std::int32_t(get(b, at, 4));
      if (!string_at(strings + get(b, at + 4, 4), e.key) || !string_at(strings + get(b, at + 8, 4), e.value))
        return bad("entry " + std::to_string(i) + " points outside the file");
      out.push_back(std::move(e));
    }
    return out;
  }
  std::uint8_t endian = std::uint8_t(b[start + 28]) & 3;
  if (endian != 0 && endian != kLittleEndian) return bad("big-endian or invalid");
  std::uint64_t n = get(b, start + 20, 4);
  if (n > kMaxEntries || n > (b.size() - start - kHeader) / kEntry) return bad("more entries than bytes");
  for (std::uint64_t i = 0; i < n; ++i) {
    size_t at = size_t(start + kHeader + kEntry * i);
    LdCacheEntry e;
    e.flags = std::int32_t(get(b, at, 4));
    e.osversion = std::uint32_t(get(b, at + 12, 4));
    e.hwcap = get(b, at + 16, 8);
    if (!string_at(start + get(b, at + 4, 4), e.key) || !string_at(start + get(b, at + 8, 4), e.value))
      return bad("entry " + std::to_string(i) + " points outside the file");
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace dl::deb
