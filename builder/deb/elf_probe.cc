#include "builder/deb/elf_probe.h"

#include <algorithm>
#include <cstring>

namespace dl::deb {

namespace {
constexpr std::uint32_t kPtLoad = 1, kPtDynamic = 2, kPtInterp = 3, kPtNote = 4;
constexpr std::uint64_t kDtNull = 0, kDtNeeded = 1, kDtStrtab = 5, kDtSoname = 14;
constexpr std::uint16_t kEtDyn = 3, kEm386 = 3, kEmX8664 = 62;

ElfFacts skip(std::string why) {
  ElfFacts f;
  f.why = std::move(why);
  return f;
}
ElfFacts too_far(std::string why) {
  ElfFacts f;
  f.kind = ElfFacts::Kind::beyond_limits;
  f.why = std::move(why);
  return f;
}
}  // namespace

bool looks_like_dso(const std::string& n) {
  return ((n.starts_with("lib") || n.starts_with("ld-")) && n.find(".so") != std::string::npos) ||
         n.starts_with("ld.so.") || n.starts_with("ld64.so.");
}

std::uint64_t ElfProbe::word(const std::string& b, std::size_t at, int bytes) const {
  std::uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[at + size_t(i)]);
  return v;
}

void ElfProbe::feed(const char* data, std::size_t n) {
  while (n > 0) {
    if (stopped_) {
      seen_ += n;  // counted, so finish() knows the file was whole
      return;
    }
    std::size_t take = n;
    if (!planned_) {
      std::uint64_t boundary = ranges_[0].off + ranges_[0].len;
      if (seen_ < boundary) take = std::size_t(std::min<std::uint64_t>(n, boundary - seen_));
    }
    for (auto& r : ranges_) {
      std::uint64_t from = std::max(seen_, r.off), to = std::min(seen_ + take, r.off + r.len);
      // Only a range that has every byte before `from` grows.
      if (from < to && r.off + r.data.size() == from) r.data.append(data + (from - seen_), size_t(to - from));
    }
    seen_ += take;
    data += take;
    n -= take;
    if (!header_done_ && seen_ >= 64) parse_header();
    if (header_done_ && !planned_ && !stopped_ && seen_ >= ranges_[0].off + ranges_[0].len) plan_ranges();
    if (planned_) {
      std::uint64_t end = 0;
      for (const auto& r : ranges_) end = std::max(end, r.off + r.len);
      if (seen_ >= end) stopped_ = true;
    }
  }
}

void ElfProbe::parse_header() {
  header_done_ = true;
  const std::string& h = ranges_[0].data;
  auto fail = [&](const char* why) {
    bad_ = stopped_ = true;
    bad_why_ = why;
  };
  if (h.compare(0, 4,
                "\x7f"
                "ELF") != 0)
    return fail("not an ELF file");
  if (h[4] != 1 && h[4] != 2) return fail("unknown ELF class");
  if (h[5] != 1) return fail("not little-endian");
  is64_ = h[4] == 2;
  type_ = std::uint16_t(word(h, 16, 2));
  machine_ = std::uint16_t(word(h, 18, 2));
  if (!(machine_ == kEmX8664 || (machine_ == kEm386 && !is64_))) return fail("another machine's object");
  if (type_ != kEtDyn) return fail("not a shared object");
  phoff_ = is64_ ? word(h, 32, 8) : word(h, 28, 4);
  phnum_ = std::uint16_t(word(h, is64_ ? 56 : 44, 2));
  if (phnum_ > kMaxPhdrs) return fail("too many program headers");
  // glibc steps through the table by sizeof(Phdr), whatever e_phentsize says.
  std::uint64_t stride = is64_ ? 56 : 32;
  if (phoff_ > size_ || std::uint64_t(phnum_) * stride > size_ - phoff_) return fail("truncated program headers");
  std::uint64_t end = phoff_ + phnum_ * stride;
  if (end > kMaxPrefix) return fail("program headers far into the file");
  ranges_[0].len = std::max<std::uint64_t>(64, end);
}

void ElfProbe::plan_ranges() {
  planned_ = true;
  const std::string& h = ranges_[0].data;
  std::uint64_t stride = is64_ ? 56 : 32;
  const Phdr* first_load = nullptr;
  for (unsigned i = 0; i < phnum_; ++i) {
    size_t at = size_t(phoff_ + i * stride);
    Phdr p;
    p.type = std::uint32_t(word(h, at, 4));
    p.offset = is64_ ? word(h, at + 8, 8) : word(h, at + 4, 4);
    p.vaddr = is64_ ? word(h, at + 16, 8) : word(h, at + 8, 4);
    p.filesz = is64_ ? word(h, at + 32, 8) : word(h, at + 16, 4);
    p.align = is64_ ? word(h, at + 48, 8) : word(h, at + 28, 4);
    phdrs_.push_back(p);
  }
  for (const auto& p : phdrs_)
    if (p.type == kPtLoad && (!first_load || p.offset < first_load->offset)) first_load = &p;
  // .dynstr sits in the first PT_LOAD, ahead of the code: keep that prefix.
  std::uint64_t prefix = ranges_[0].len;
  if (first_load && first_load->offset < size_)
    prefix = std::max(prefix, std::min({first_load->offset + std::min(first_load->filesz, size_), size_, kMaxPrefix}));
  ranges_[0].len = prefix;
  for (const auto& p : phdrs_) {
    if ((p.type != kPtDynamic && p.type != kPtInterp && p.type != kPtNote) || p.offset >= size_) continue;
    // A little past PT_DYNAMIC's end: glibc reads entries up to DT_NULL.
    std::uint64_t want = std::min(p.filesz, kMaxRange) + (p.type == kPtDynamic ? 4096 : 0);
    std::uint64_t len = std::min({want, kMaxRange, size_ - p.offset});
    if (p.offset + len <= prefix) continue;
    ranges_.push_back(Range{p.offset, len, {}});
  }
}

bool ElfProbe::read(std::uint64_t off, std::uint64_t len, std::string& out, bool& lost) const {
  lost = false;
  if (off > size_ || len > size_ - off) return false;
  for (const auto& r : ranges_)
    if (r.off <= off && off + len <= r.off + r.data.size()) {
      out.assign(r.data, size_t(off - r.off), size_t(len));
      return true;
    }
  lost = true;
  return false;
}

bool ElfProbe::read_string(std::uint64_t off, std::string& out, bool& lost) const {
  lost = false;
  if (off >= size_) return false;
  for (const auto& r : ranges_) {
    if (off < r.off || off >= r.off + r.data.size()) continue;
    size_t at = size_t(off - r.off);
    size_t nul = r.data.find('\0', at);
    if (nul != std::string::npos) {
      out.assign(r.data, at, nul - at);
      return true;
    }
    if (r.off + r.data.size() < size_) lost = true;
    return false;
  }
  lost = true;
  return false;
}

ElfFacts ElfProbe::finish() {
  if (size_ < 64) return skip("smaller than an ELF header");
  if (bad_) return skip(bad_why_);
  if (!planned_ || (!stopped_ && seen_ < size_)) return skip("truncated");
  ElfFacts f;
  f.flags = kFlagElf;
  std::uint64_t dyn_off = 0, dyn_size = 0;
  bool lost = false;
  std::string buf;
  for (const auto& p : phdrs_) {
    if (p.type == kPtDynamic) {
      dyn_off = p.offset;
      dyn_size = p.filesz;
    } else if (p.type == kPtInterp) {
      if (!read_string(p.offset, buf, lost)) return lost ? too_far("PT_INTERP out of reach") : skip("truncated");
      for (const char* known : {"/lib/ld-linux-x86-64.so.2", "/lib/ld-linux.so.2", "/libx32/ld-linux-x32.so.2",
                                "/lib64/ld-linux-x86-64.so.2"})
        if (buf == known) f.flags = kFlagElfLibc6;
    } else if (p.type == kPtNote && f.osversion == 0 && p.filesz >= 32 && p.align >= 4) {
      if (p.align != 4 && p.align != 8) continue;
      if (p.filesz > kMaxRange) return too_far("PT_NOTE larger than 1 MiB");
      if (!read(p.offset, p.filesz, buf, lost)) return lost ? too_far("PT_NOTE out of reach") : skip("truncated");
      // The NT_GNU_ABI_TAG note: namesz 4, descsz 16, type 1, "GNU".
      std::uint64_t at = 0, left = p.filesz;
      while (true) {
        std::uint64_t namesz = word(buf, size_t(at), 4), descsz = word(buf, size_t(at + 4), 4);
        if (namesz == 4 && descsz == 16 && word(buf, size_t(at + 8), 4) == 1 &&
            buf.compare(size_t(at + 12), 4, "GNU\0", 4) == 0) {
          auto w = [&](int i) { return std::uint32_t(word(buf, size_t(at + 16 + 4 * i), 4)); };
          f.osversion = (w(0) << 24) | ((w(1) & 0xff) << 16) | ((w(2) & 0xff) << 8) | (w(3) & 0xff);
          break;
        }
        auto up = [&](std::uint64_t v) { return (v + p.align - 1) & ~(p.align - 1); };
        std::uint64_t next = up(up(12 + namesz) + descsz);
        if (left - 32 < next || next == 0) break;
        left -= next;
        at += next;
      }
    }
  }
  if (dyn_size == 0) return skip("no dynamic section");
  const std::uint64_t esz = is64_ ? 16 : 8;
  auto entry = [&](std::uint64_t i, std::uint64_t& tag, std::uint64_t& val) -> int {
    if (!read(dyn_off + i * esz, esz, buf, lost)) return lost ? -1 : 0;
    tag = word(buf, 0, int(esz / 2));
    val = word(buf, size_t(esz / 2), int(esz / 2));
    return 1;
  };
  std::uint64_t tag = 0, val = 0, strtab = 0;
  bool have_strtab = false;
  for (std::uint64_t i = 0;; ++i) {
    int r = entry(i, tag, val);
    if (r <= 0) return skip(r < 0 ? "dynamic section without DT_NULL" : "truncated");
    if (tag == kDtNull) break;
    if (tag != kDtStrtab) continue;
    std::uint64_t loadoff = 0;
    for (const auto& p : phdrs_)
      if (p.type == kPtLoad && val >= p.vaddr && val - p.vaddr < p.filesz) {
        loadoff = p.vaddr - p.offset;
        break;
      }
    strtab = val - loadoff;
    have_strtab = true;
    break;
  }
  if (!have_strtab || strtab > size_) return skip("no dynamic string table");
  for (std::uint64_t i = 0;; ++i) {
    if (entry(i, tag, val) <= 0 || tag == kDtNull) break;
    if (tag != kDtNeeded && tag != kDtSoname) continue;
    if (!read_string(strtab + val, buf, lost))
      return lost ? too_far("its dynamic string table lies past the first 32 MiB") : skip("truncated");
    if (tag == kDtNeeded && f.flags == kFlagElf && (buf == "libc.so.6" || buf == "libm.so.6")) f.flags = kFlagElfLibc6;
    if (tag == kDtSoname) {
      f.soname = buf;
      f.has_soname = true;
    }
    if (f.has_soname && f.flags != kFlagElf) break;
  }
  if (machine_ == kEmX8664) f.flags = is64_ ? (kFlagX8664Lib64 | kFlagElfLibc6) : (kFlagX8664Libx32 | kFlagElfLibc6);
  f.kind = ElfFacts::Kind::library;
  return f;
}

}  // namespace dl::deb
