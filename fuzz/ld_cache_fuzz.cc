// What /etc/ld.so.cache is built from that comes from outside: a library's
// ELF bytes (a .deb's, streamed in pieces of any size) and a base image's
// own cache file.
#include "builder/deb/elf_probe.h"
#include "builder/deb/ld_cache_file.h"
#include "fuzz/fuzz.h"

DL_FUZZ_TARGET {
  auto s = dl::fuzz::text(data, size);
  // The same bytes whole and in pieces: the verdict may not depend on the chunking.
  dl::deb::ElfProbe whole(size), pieces(size);
  whole.feed(s.data(), s.size());
  for (size_t off = 0, step = 1 + (size ? data[0] % 61 : 0); off < size; off += step)
    pieces.feed(s.data() + off, std::min(step, size - off));
  auto a = whole.finish(), b = pieces.finish();
  dl::fuzz::check(a.kind == b.kind && a.soname == b.soname && a.flags == b.flags && a.osversion == b.osversion,
                  "ElfProbe depends on chunking", a.why + " / " + b.why);
  auto entries = dl::deb::parse_ld_cache(s, "fuzz/ld.so.cache");
  if (entries.ok()) {
    // What parses re-encodes to a file that parses to the same entries.
    auto again = dl::deb::parse_ld_cache(dl::deb::encode_ld_cache(*entries, "dlimage"), "again");
    dl::fuzz::check(again.ok() && *again == *entries, "ld.so.cache round trip");
  }
  return 0;
}
