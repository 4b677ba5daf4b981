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
#include <optional>
#include <string>

#include "base/result.h"

namespace dl::wheel {

struct CachedFile {
  std::filesystem::path path;
  std::string sha256;  // hex
  uint64_t size = 0;
};

class WheelCache {
 public:
  explicit WheelCache(std::filesystem::path dir);
  const std::filesystem::path& dir() const { return dir_; }

  std::filesystem::path path_for(const std::string& sha256_hex) const;
  std::optional<CachedFile> find(const std::string& sha256_hex) const;

  // `source` is an http(s):// or file:// URL or a local path. With an
  // expected digest already present, nothing is read. A digest mismatch is an
  // integrity error naming the source and both digests; nothing is stored.
  Result<CachedFile> fetch(const std::string& source, const std::string& expected_sha256 = "");

 private:
  std::filesystem::path dir_;
  bool swept_ = false;
};

}  // namespace dl::wheel
