// What ldconfig reads from a shared library (glibc elf/readelflib.c and the
// x86 wrapper in sysdeps/unix/sysv/linux/x86/readelflib.c), from bytes that
// stream past once: the ELF header, the program headers, PT_DYNAMIC, the
// PT_NOTE and PT_INTERP ranges and the prefix of the file where the dynamic
// string table lives (every linker puts .dynstr in the first PT_LOAD, ahead
// of the code). Only those ranges are kept, each bounded; the rest of the
// file is looked at and dropped. Hostile bytes (truncated, overlapping or
// absurd offsets) make a file "not a library", as ldconfig skips them.
//
//   ElfProbe p(size);
//   while (...) p.feed(buf, n);
//   ElfFacts f = p.finish();
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dl::deb {

// ldconfig's library kinds (elf/ldconfig.h).
inline constexpr std::int32_t kFlagElf = 0x0001;
inline constexpr std::int32_t kFlagElfLibc6 = 0x0003;
inline constexpr std::int32_t kFlagX8664Lib64 = 0x0300;
inline constexpr std::int32_t kFlagX8664Libx32 = 0x0800;

struct ElfFacts {
  enum class Kind {
    not_library,    // ldconfig skips it: not ELF, not ET_DYN, other machine, no dynamic section, truncated
    library,        // soname/flags/osversion are what ldconfig records
    beyond_limits,  // a well-formed file whose dynamic strings lie past what dlimage keeps
  };
  Kind kind = Kind::not_library;
  std::string soname;  // DT_SONAME; empty when the library has none
  bool has_soname = false;
  std::int32_t flags = 0;
  std::uint32_t osversion = 0;  // NT_GNU_ABI_TAG: (os << 24) | version
  std::string why;              // for beyond_limits and not_library, one phrase
};

// ldconfig as built for x86-64 (Debian's amd64 libc-bin): x86-64 and x32
// objects are libc6 by machine, i386 objects by their interpreter or
// DT_NEEDED, anything else is another machine's and skipped.
class ElfProbe {
 public:
  // Bounds on what is kept; the prefix is where .dynstr is (LLVM's 4 MB of
  // symbol names fit many times over).
  static constexpr std::uint64_t kMaxPrefix = 32ull << 20;
  static constexpr std::uint64_t kMaxRange = 1ull << 20;  // PT_DYNAMIC, PT_NOTE, PT_INTERP each
  static constexpr unsigned kMaxPhdrs = 1024;

  explicit ElfProbe(std::uint64_t file_size) : size_(file_size) {}
  void feed(const char* data, std::size_t n);
  ElfFacts finish();
  // Nothing more can be learned from further bytes (the caller may stop feeding).
  bool done() const { return stopped_; }

 private:
  struct Range {
    std::uint64_t off = 0, len = 0;
    std::string data;
  };
  struct Phdr {
    std::uint32_t type = 0;
    std::uint64_t offset = 0, vaddr = 0, filesz = 0, align = 0;
  };
  void parse_header();
  void plan_ranges();
  bool read(std::uint64_t off, std::uint64_t len, std::string& out, bool& lost) const;
  bool read_string(std::uint64_t off, std::string& out, bool& lost) const;
  std::uint64_t word(const std::string& b, std::size_t at, int bytes) const;

  std::uint64_t size_;
  std::uint64_t seen_ = 0;
  std::vector<Range> ranges_ = {Range{0, 64, {}}};
  bool header_done_ = false, planned_ = false, stopped_ = false, bad_ = false;
  std::string bad_why_;
  bool is64_ = false;
  std::uint16_t machine_ = 0, type_ = 0;
  std::uint64_t phoff_ = 0;
  std::uint16_t phnum_ = 0;
  std::vector<Phdr> phdrs_;
};

// ldconfig's name filter for directory entries (glibc elf/dl-is_dso.h):
// lib*.so*, ld-*.so*, ld.so.*, ld64.so.*.
bool looks_like_dso(const std::string& name);

}  // namespace dl::deb
