// ZipReader's content side: one entry at a time, read with pread from the
// offsets open() checked, inflated by RawInflater, bounded by the declared
// size and checked against the central directory's size and CRC32.
#include "builder/wheel/zip_reader.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "builder/wheel/raw_inflate.h"
#include "builder/wheel/zip_io.h"

namespace dl::wheel {

Status zip_pread(int fd, void* buf, size_t len, uint64_t offset, const std::string& label) {
  auto* p = static_cast<char*>(buf);
  while (len > 0) {
    ssize_t n = ::pread(fd, p, len, off_t(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error(ErrorKind::io, label + ": read failed: " + std::strerror(errno));
    if (n == 0) return invalid(label + ": corrupt zip: the file ends early (at " + std::to_string(offset) + ")");
    p += n, len -= size_t(n), offset += uint64_t(n);
  }
  return {};
}

struct ZipReader::State {
  size_t index = SIZE_MAX;
  uint64_t got = 0;      // content bytes handed out
  uint64_t in_pos = 0;   // next data byte to read from the file
  uint64_t in_left = 0;  // data bytes not read yet
  uint32_t crc = 0;      // stored entries (RawInflater keeps its own)
  bool done = false;
  RawInflater inflater;
  std::vector<uint8_t> in = std::vector<uint8_t>(256 * 1024);
  size_t in_off = 0, in_len = 0;  // read but not inflated yet: in[in_off, in_len)
};

ZipReader::ZipReader() = default;
ZipReader::~ZipReader() {
  if (fd_ >= 0) ::close(fd_);
}

void ZipReader::start(size_t index) {
  if (!st_) st_ = std::make_unique<State>();
  State& s = *st_;
  s.index = index;
  s.got = 0;
  s.crc = 0;
  s.done = false;
  s.in_off = s.in_len = 0;
  if (index >= entries_.size()) return;
  const ZipEntry& e = entries_[index];
  s.in_pos = e.data_offset;
  s.in_left = e.compressed_size;
  if (e.method == 8) s.inflater.reset();
}

Error ZipReader::entry_error(const std::string& what) const {
  return Error(ErrorKind::integrity, label_ + ": entry " + entries_[st_->index].name + ": " + what);
}

Result<size_t> ZipReader::read(char* buf, size_t cap) {
  if (!st_ || st_->index >= entries_.size() || cap == 0)
    return Error(ErrorKind::internal, label_ + ": zip read without an entry or a buffer");
  if (st_->done) return size_t(0);
  return entries_[st_->index].method == 0 ? read_stored(buf, cap) : read_deflated(buf, cap);
}

Result<size_t> ZipReader::read_stored(char* buf, size_t cap) {
  State& s = *st_;
  uint64_t left = entries_[s.index].size - s.got;
  if (left == 0) return finish_entry();
  size_t n = cap < left ? cap : size_t(left);
  DL_TRY(zip_pread(fd_, buf, n, s.in_pos, label_));
  s.in_pos += n;
  s.got += n;
  s.crc = crc32_update(s.crc, reinterpret_cast<const uint8_t*>(buf), n);
  return n;
}

Result<size_t> ZipReader::read_deflated(char* buf, size_t cap) {
  State& s = *st_;
  const ZipEntry& e = entries_[s.index];
  // One byte more than is left, so that a stream inflating past its declared
  // size is caught here, after at most `cap` bytes.
  size_t want = cap;
  if (uint64_t(want) > e.size - s.got + 1) want = size_t(e.size - s.got + 1);
  while (true) {
    if (s.inflater.finished()) return finish_entry();
    if (s.in_off == s.in_len && s.in_left > 0) {
      size_t n = s.in_left < s.in.size() ? size_t(s.in_left) : s.in.size();
      DL_TRY(zip_pread(fd_, s.in.data(), n, s.in_pos, label_));
      s.in_pos += n, s.in_left -= n, s.in_off = 0, s.in_len = n;
    }
    auto step = s.inflater.step(s.in.data() + s.in_off, s.in_len - s.in_off, reinterpret_cast<uint8_t*>(buf), want);
    if (!step.ok()) return entry_error(step.error().message());
    s.in_off += step->consumed;
    s.got += step->produced;
    if (s.got > e.size)
      return entry_error("inflates past its declared size " + std::to_string(e.size) + " (zip bomb?)");
    if (step->produced > 0) return step->produced;
    if (!s.inflater.finished() && step->consumed == 0 && s.in_off == s.in_len && s.in_left == 0)
      return entry_error("deflate data ends before its last block (truncated entry)");
  }
}

Result<size_t> ZipReader::finish_entry() {
  State& s = *st_;
  const ZipEntry& e = entries_[s.index];
  s.done = true;
  uint32_t crc = e.method == 8 ? s.inflater.crc32() : s.crc;
  if (s.got != e.size)
    return entry_error(std::to_string(s.got) + " bytes of content, expected " + std::to_string(e.size));
  if (crc != e.crc32) {
    char msg[96];
    std::snprintf(msg, sizeof msg, "CRC32 %08x of the content does not match the zip directory's %08x", crc, e.crc32);
    return entry_error(msg);
  }
  return size_t(0);
}

}  // namespace dl::wheel
