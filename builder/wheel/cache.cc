#include "builder/wheel/cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <vector>

#include "base/fs.h"
#include "base/sha256.h"
#include "base/temp_sweep.h"
#include "base/verified.h"
#include "net/fetch.h"
#include "net/url.h"

namespace dl::wheel {

namespace fs = std::filesystem;
using net::redact_url;

namespace {

std::string errno_text() { return std::strerror(errno); }

// A uniquely named temp file whose final name (the digest) is known only at the end.
class TempOut {
 public:
  static Result<TempOut> create(const fs::path& dir) {
    std::string tmpl = (dir / ".download-XXXXXX").string();
    int fd = ::mkstemp(tmpl.data());
    if (fd < 0) return io_error(tmpl + ": cannot create: " + errno_text());
    TempOut out(fd, tmpl);
    DL_TRY(lock_temp_file(fd, tmpl));  // live until we finish; see sweep_dead_temp
    return out;
  }
  TempOut(TempOut&& o) noexcept : fd_(o.fd_), path_(std::move(o.path_)) {
    o.fd_ = -1;
    o.path_.clear();
  }
  TempOut& operator=(TempOut&&) = delete;
  ~TempOut() {
    if (fd_ >= 0) ::close(fd_);
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  Status write(const char* d, size_t n) {
    while (n > 0) {
      ssize_t w = ::write(fd_, d, n);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return io_error(path_ + ": write failed: " + errno_text());
      d += w;
      n -= size_t(w);
    }
    return {};
  }
  Status commit(const fs::path& target) {
    if (::fchmod(fd_, 0644) != 0 || ::fsync(fd_) != 0) return io_error(path_ + ": " + errno_text());
    ::close(fd_);
    fd_ = -1;
    if (::rename(path_.c_str(), target.c_str()) != 0)
      return io_error(target.string() + ": rename failed: " + errno_text());
    path_.clear();
    return {};
  }

 private:
  TempOut(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

// The sha256 of a regular file, read once; "" when it cannot be read.
std::string sha256_of_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  Sha256 sha;
  std::vector<char> buf(1 << 16);
  ssize_t n = 0;
  while ((n = ::read(fd, buf.data(), buf.size())) > 0 || (n < 0 && errno == EINTR))
    if (n > 0) sha.update(buf.data(), size_t(n));
  ::close(fd);
  return n < 0 ? "" : sha.hex_digest();
}

}  // namespace

std::string default_cache_dir() {
  // An empty variable is an unset one (the XDG base directory spec says so
  // for XDG_CACHE_HOME): XDG_CACHE_HOME= must not put the cache in /dlimage.
  auto set = [](const char* name) -> std::string {
    const char* v = std::getenv(name);
    return v ? v : "";
  };
  if (auto x = set("DLIMAGE_CACHE"); !x.empty()) return x;
  if (auto x = set("XDG_CACHE_HOME"); !x.empty()) return x + "/dlimage";
  if (auto h = set("HOME"); !h.empty()) return h + "/.cache/dlimage";
  return ".dlimage-cache";
}

WheelCache::WheelCache(fs::path dir, net::HttpClient* http)
    : dir_(std::move(dir)), http_(http ? http : &net::default_client()) {}

fs::path WheelCache::path_for(const std::string& hex) const { return dir_ / "sha256" / hex; }

std::optional<CachedFile> WheelCache::find(const std::string& hex) const {
  if (hex.size() != 64 || hex.find_first_not_of("0123456789abcdef") != std::string::npos) return std::nullopt;
  fs::path p = path_for(hex);
  // Re-hashed on every use: a file's name is only a claim, and anything
  // with write access to the cache could have changed its bytes (even
  // keeping the size). A mismatch is dropped so the caller fetches again.
  // Once per process for one file (base/verified.h).
  if (verified_before(p.string(), hex)) {
    std::error_code ec;
    auto size = fs::file_size(p, ec);
    if (!ec) return CachedFile{p, hex, uint64_t(size)};
  }
  int fd = ::open(p.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  Sha256 sha;
  std::vector<char> buf(1 << 16);
  ssize_t n = 0;
  while ((n = ::read(fd, buf.data(), buf.size())) > 0 || (n < 0 && errno == EINTR))
    if (n > 0) sha.update(buf.data(), size_t(n));
  ::close(fd);
  uint64_t size = sha.bytes();
  if (n < 0 || sha.hex_digest() != hex) {
    ::unlink(p.c_str());
    return std::nullopt;
  }
  remember_verified(p.string(), hex);
  return CachedFile{p, hex, size};
}

void WheelCache::add_origin_credentials(const std::string& url) {
  std::string info = net::userinfo_of(url);
  if (!info.empty()) userinfo_[net::url_origin(url)] = info;
}

Result<CachedFile> WheelCache::fetch(const std::string& source, const std::string& expected) {
  if (!expected.empty()) {
    if (expected.size() != 64 || expected.find_first_not_of("0123456789abcdef") != std::string::npos)
      return invalid(redact_url(source) + ": expected sha256 \"" + expected + "\" is not 64 lowercase hex digits");
    if (auto hit = find(expected)) return *hit;
  } else if (source.find("://") == std::string::npos) {
    // A local file with no expected digest (an artifact of --artifacts
    // DIR): hashed where it is, and not copied again when the cache holds
    // those bytes already.
    if (auto hex = sha256_of_file(source); !hex.empty())
      if (auto hit = find(hex)) return *hit;
  }
  // The temp file lives in the final directory so rename() never crosses
  // filesystems, and has a name no other process uses.
  DL_TRY(ensure_dir(dir_ / "sha256"));
  if (!swept_) {  // downloads a killed run left behind
    swept_ = true;
    DL_TRY(sweep_dead_temp(dir_ / "sha256", [](std::string_view n) { return n.starts_with(".download-"); }));
  }
  DL_ASSIGN_OR_RETURN(TempOut out, TempOut::create(dir_ / "sha256"));
  Sha256 sha;
  auto write = [&](const char* d, size_t n) -> Status {
    sha.update(d, n);
    return out.write(d, n);
  };
  bool remote = source.find("://") != std::string::npos;
  if (remote) {
    DL_TRY(net::require_http_url(source, redact_url(source)));
    std::string url = source;
    if (auto it = userinfo_.find(net::url_origin(source)); it != userinfo_.end())
      url = net::with_userinfo(source, it->second);
    DL_TRY(net::get_to_sink(*http_, url, write));
  } else {
    const std::string& path = source;
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error(ErrorKind::not_found, path + ": cannot open");
    std::vector<char> buf(1 << 16);
    while (in) {
      in.read(buf.data(), std::streamsize(buf.size()));
      if (in.gcount() > 0) DL_TRY(write(buf.data(), size_t(in.gcount())));
    }
    if (in.bad()) return io_error(path + ": read failed");
  }
  uint64_t size = sha.bytes();
  std::string hex = sha.hex_digest();
  if (!expected.empty() && hex != expected)
    return Error(ErrorKind::integrity,
                 redact_url(source) + ": sha256 " + hex + " does not match the expected " + expected);
  fs::path final_path = path_for(hex);
  DL_TRY(out.commit(final_path));
  return CachedFile{final_path, hex, size};
}

}  // namespace dl::wheel
