#include "builder/layer/deflate_block.h"

#include <zlib.h>

#include <vector>

#ifdef DL_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

namespace dl::layer::detail {

namespace {

Result<std::string> deflate_zlib(int level, std::string_view dict, std::string_view input, bool last) {
  z_stream z{};
  if (deflateInit2(&z, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return Error(ErrorKind::internal, "gzip: deflateInit2 failed at level " + std::to_string(level));
  struct End {
    z_stream* z;
    ~End() { deflateEnd(z); }
  } end{&z};
  if (!dict.empty() && deflateSetDictionary(&z, reinterpret_cast<const Bytef*>(dict.data()), uInt(dict.size())) != Z_OK)
    return Error(ErrorKind::internal, "gzip: deflateSetDictionary failed");
  std::string out(deflateBound(&z, uLong(input.size())) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  z.avail_in = uInt(input.size());
  size_t produced = 0;
  for (;;) {
    z.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    z.avail_out = uInt(out.size() - produced);
    int rc = deflate(&z, last ? Z_FINISH : Z_SYNC_FLUSH);
    produced = out.size() - z.avail_out;
    if (rc == Z_STREAM_END) break;
    if (rc != Z_OK && rc != Z_BUF_ERROR)
      return Error(ErrorKind::internal, "gzip: deflate failed: " + std::to_string(rc));
    if (!last && z.avail_in == 0 && z.avail_out != 0) break;  // sync flush complete
    out.resize(out.size() * 2);
  }
  out.resize(produced);
  return out;
}

#ifdef DL_HAVE_ISAL
Result<std::string> deflate_isal(int level, std::string_view dict, std::string_view input, bool last) {
  isal_zstream s;
  isal_deflate_init(&s);
  std::vector<uint8_t> level_buf;
  switch (level) {
    case 1: level_buf.resize(ISAL_DEF_LVL1_DEFAULT); break;
    case 2: level_buf.resize(ISAL_DEF_LVL2_DEFAULT); break;
    default:
      level_buf.resize(ISAL_DEF_LVL3_DEFAULT);
      level = 3;
      break;
  }
  s.level = uint32_t(level);
  s.level_buf = level_buf.data();
  s.level_buf_size = uint32_t(level_buf.size());
  s.flush = SYNC_FLUSH;
  s.end_of_stream = last ? 1 : 0;
  if (!dict.empty() && isal_deflate_set_dict(&s, reinterpret_cast<uint8_t*>(const_cast<char*>(dict.data())),
                                             uint32_t(dict.size())) != COMP_OK)
    return Error(ErrorKind::internal, "gzip: isal_deflate_set_dict failed");
  std::string out(input.size() + input.size() / 8 + 1024, '\0');
  s.next_in = reinterpret_cast<uint8_t*>(const_cast<char*>(input.data()));
  s.avail_in = uint32_t(input.size());
  size_t produced = 0;
  for (;;) {
    s.next_out = reinterpret_cast<uint8_t*>(out.data() + produced);
    s.avail_out = uint32_t(out.size() - produced);
    int rc = isal_deflate(&s);
    if (rc != COMP_OK) return Error(ErrorKind::internal, "gzip: isal_deflate failed: " + std::to_string(rc));
    produced = out.size() - s.avail_out;
    bool done = s.avail_in == 0 && s.avail_out != 0 && (last ? s.internal_state.state == ZSTATE_END : true);
    if (done) break;
    out.resize(out.size() * 2);
  }
  out.resize(produced);
  return out;
}
#endif

}  // namespace

bool isal_available() {
#ifdef DL_HAVE_ISAL
  return true;
#else
  return false;
#endif
}

bool uses_isal(int level) { return isal_available() && level >= 1 && level <= 3; }

Result<std::string> deflate_block(int level, std::string_view dict, std::string_view input, bool last) {
#ifdef DL_HAVE_ISAL
  if (uses_isal(level)) return deflate_isal(level, dict, input, last);
#endif
  return deflate_zlib(level, dict, input, last);
}

}  // namespace dl::layer::detail
