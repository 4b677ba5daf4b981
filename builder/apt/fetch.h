// Fetching apt indexes through the one network stack (net/) into a
// content-addressed cache, verified the way apt verifies them:
//
//   InRelease (or Release + Release.gpg) --gpgv/sqv against Signed-By-->
//   Date / Valid-Until checked --> SHA256 of Packages.xz|gz from Release
//   (by-hash URL when Acquire-By-Hash: yes) --> decompressed, SHA256 of the
//   uncompressed Packages from Release --> cache.
//
// Cache layout under <cache_dir>/apt/:
//   blobs/sha256/<hex>     verified content (InRelease, uncompressed Packages)
//   refs/<escaped url>     the sha256 of the last verified InRelease for a URL,
//                          so --offline and lock replays need no network.
// Everything is written under a temp name and renamed after verification:
// a failure leaves no file behind. Each failure is one line naming the URL.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "builder/apt/sources.h"
#include "net/http.h"

namespace dl::apt {

struct FetchOptions {
  std::string cache_dir;       // required
  std::string arch = "amd64";  // dpkg architecture of the image
  bool offline = false;        // only the cache; a missing ref is an error
  // Signature checker: "gpgv" (default) or "sqv", resolved via PATH.
  std::string verifier = "gpgv";
  // "Now" for Valid-Until/Date checks; unset = the system clock.
  std::optional<std::chrono::system_clock::time_point> now;
  // Largest Release/InRelease and (uncompressed) Packages accepted.
  size_t max_release_bytes = 16u << 20;
  size_t max_packages_bytes = 1u << 30;
};

// One verified Packages index of one suite/component/arch.
struct RepoIndex {
  std::string uri;  // the source URI ("http://h/debian")
  std::string suite, component, arch;
  std::string release_url;      // .../dists/<suite>/InRelease (or Release)
  std::string release_sha256;   // of the InRelease (or Release) bytes as fetched
  std::string packages_url;     // the URL the index was fetched from
  std::string packages_sha256;  // of the uncompressed Packages
  std::string packages_path;    // the uncompressed Packages in the cache
  std::string origin;           // Source::origin, for errors
};

// Fetches and verifies every (suite, component) of every source for
// opts.arch (plus binary-all when the Release offers it separately).
Result<std::vector<RepoIndex>> fetch_indexes(const std::vector<Source>& sources, const FetchOptions& opts,
                                             net::HttpClient& http);

// Fields of a verified Release file that fetching relies on.
struct ReleaseFile {
  std::string suite, codename, date, valid_until;
  bool acquire_by_hash = false;
  bool no_separate_all = false;  // "No-Support-for-Architecture-all: Packages"
  std::vector<std::string> architectures, components;
  struct Entry {
    std::string sha256;
    uint64_t size = 0;
    std::string path;  // "main/binary-amd64/Packages.xz"
  };
  std::vector<Entry> sha256;
  const Entry* find(std::string_view path) const;
};
Result<ReleaseFile> parse_release(std::string_view text, const std::string& url);

// Date must not lie in the future (beyond a minute of skew) and Valid-Until,
// when present, must lie after `now`; otherwise "<url>: ... expired ...".
Status check_release_dates(const ReleaseFile& r, const std::string& url, std::chrono::system_clock::time_point now);

// Checks a detached or clear-signed signature with gpgv/sqv against a
// keyring (binary or ASCII-armored file, or an inline armored key) and
// returns the signed text. `signature` empty = `data` is clear-signed.
struct Keyring {
  std::string file;        // path, or
  std::string inline_key;  // armored block from Signed-By
};
Result<std::string> verify_signature(const std::string& data, const std::string& signature, const Keyring& keyring,
                                     const std::string& url, const FetchOptions& opts);

}  // namespace dl::apt
