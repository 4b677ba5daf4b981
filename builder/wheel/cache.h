// Content-addressed store for downloaded wheels: <dir>/sha256/<hex>.
// A download streams into a temp file inside <dir>/sha256/ while being
// hashed, is checked against the expected digest when one is known, and is
// renamed into place only then. Processes sharing the directory never see a
// partial file: each writes its own temp name and rename() is atomic, and
// two finishers of the same digest rename identical bytes. A cached file is
// re-hashed every time it is found, so a file changed in place (even at the
// same size) is dropped and fetched again, never installed. Temp files of a
// killed run are removed by the next fetch.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "base/result.h"
#include "net/http.h"

namespace dl::wheel {

struct CachedFile {
  std::filesystem::path path;
  std::string sha256;  // hex
  uint64_t size = 0;
};

// $DLIMAGE_CACHE, else $XDG_CACHE_HOME/dlimage, else ~/.cache/dlimage: the
// one default for every command that downloads.
std::string default_cache_dir();

class WheelCache {
 public:
  // Downloads go through `http` (net::default_client() when null), so
  // --ca-file, --tls-verify, proxies and deadlines apply to them.
  explicit WheelCache(std::filesystem::path dir, net::HttpClient* http = nullptr);
  const std::filesystem::path& dir() const { return dir_; }

  std::filesystem::path path_for(const std::string& sha256_hex) const;
  std::optional<CachedFile> find(const std::string& sha256_hex) const;

  // `source` is an http(s):// URL or a local path; any other scheme
  // (file://, ftp://, ...) is refused. With an expected digest already
  // present, nothing is read. A digest mismatch is an integrity error naming
  // the source and both digests; nothing is stored.
  Result<CachedFile> fetch(const std::string& source, const std::string& expected_sha256 = "");

  // Credentials of a configured index or artifact URL ("https://u:pw@h/")
  // for later fetches of URLs on the same origin that carry none: the lock
  // stores URLs without userinfo, and fetching from it still authenticates.
  void add_origin_credentials(const std::string& url_with_userinfo);

 private:
  std::filesystem::path dir_;
  bool swept_ = false;
  net::HttpClient* http_;
  std::map<std::string, std::string> userinfo_;  // origin -> "user:pw"
};

}  // namespace dl::wheel
