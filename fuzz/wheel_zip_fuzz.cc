// A whole .whl: dlimage's zip reader (central directory, local headers,
// inflate, CRC32) and everything inspect_wheel and stream_wheel check on
// top. Invariants: an entry's bytes, once read to the end without an error,
// are exactly its declared size; a verified wheel's entries all lie inside
// the file.
#include <unistd.h>

#include <fstream>
#include <string>

#include "builder/wheel/wheel_archive.h"
#include "builder/wheel/zip_reader.h"
#include "fuzz/fuzz.h"

namespace {

const std::string& path() {
  static const std::string p = [] {
    std::string dir = "/tmp/dl-fuzz-wheel-zip-" + std::to_string(::getpid());
    std::filesystem::create_directories(dir);
    return dir + "/fuzz-1.0-py3-none-any.whl";
  }();
  return p;
}

void read_all(dl::wheel::ZipReader& z) {
  std::string buf(4096, '\0');
  for (size_t i = 0; i < z.entries().size(); ++i) {
    const auto& e = z.entries()[i];
    dl::fuzz::check(e.data_offset + e.compressed_size >= e.data_offset, "entry data range wraps");
    z.start(i);
    uint64_t got = 0;
    while (true) {
      auto n = z.read(buf.data(), buf.size());
      if (!n.ok()) break;
      if (*n == 0) {
        dl::fuzz::check(got == e.size, "entry read to its end without the declared size", e.name);
        break;
      }
      got += *n;
      dl::fuzz::check(got <= e.size, "entry handed out more than its declared size", e.name);
    }
  }
}

}  // namespace

DL_FUZZ_TARGET {
  {
    std::ofstream f(path(), std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(data), std::streamsize(size));
  }
  auto z = dl::wheel::ZipReader::open(path(), "fuzz.whl");
  if (z.ok()) read_all(**z);
  (void)dl::wheel::verify_wheel(path());
  return 0;
}
