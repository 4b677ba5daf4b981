// Where wheels and their metadata come from during resolution: wheelhouse
// directories and PEP 503/691 indexes, each optionally labelled with a build
// variant (cpu, cuda9.1, ...). Metadata is obtained without downloading
// wheels where the index allows, in this order:
//   1. the PEP 658/714 `.metadata` sidecar, verified against its hash;
//   2. HTTP range reads of the zip's central directory and METADATA only;
//   3. the whole wheel, into the download cache (verified), as a last resort.
// Project pages are requested with PEP 691 content negotiation (JSON
// preferred, HTML accepted). Everything is fetched at most once per Index
// (per run) and METADATA is kept in <cache>/metadata/<wheel sha256> so a warm
// run fetches nothing but project pages. All HTTP goes through net/.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/result.h"
#include "builder/wheel/cache.h"
#include "builder/wheel/metadata.h"
#include "builder/wheel/source.h"
#include "net/http.h"

namespace dl::resolve {

struct SourceSpec {
  std::string location;  // directory, or http(s):// index root ("" with links)
  std::string variant;   // "" = fits every variant
  // A fixed list of wheel URLs (a recipe's catalog) instead of a location;
  // each link carries its own variant and Python.
  std::vector<wheel::WheelLink> links;
};

struct FetchStats {
  size_t index_pages = 0;     // project pages requested
  size_t sidecars = 0;        // PEP 658 .metadata fetched
  size_t range_reads = 0;     // wheels whose METADATA came by Range requests
  size_t full_downloads = 0;  // wheels downloaded whole for METADATA
  size_t local_reads = 0;     // wheelhouse files opened
  size_t cache_hits = 0;      // METADATA found in <cache>/metadata
  // Network metadata fetches per wheel URL: the benchmark checks each is 1.
  std::map<std::string, size_t> per_wheel;
  std::string str() const;
};

class Index {
 public:
  // `cache_dir` holds downloads (sha256/) and METADATA (metadata/).
  // `transport` carries --ca-file, --tls-verify and the proxy settings: the
  // index and its downloads use the same stack as the registry.
  static Result<std::unique_ptr<Index>> open(std::vector<SourceSpec> sources, const std::string& cache_dir,
                                             const net::TransportOptions& transport = {});
  ~Index();

  // Every wheel of `project` in every source, in source order. Cached.
  Result<const std::vector<wheel::WheelLink>*> files(const std::string& project);
  // Parsed and checked METADATA of one wheel (name and version must match the
  // file name; every Requires-Dist and Requires-Python must parse). Cached.
  // Errors name the wheel and its (redacted) URL.
  Result<const wheel::Metadata*> metadata(const wheel::WheelLink& link);
  // The wheel itself, into the cache, verified against the index's sha256;
  // when its METADATA was read from a sidecar, the wheel's own METADATA must
  // agree with it.
  Result<wheel::CachedFile> download(const wheel::WheelLink& link);
  // The wheel's size and sha256 for the lock, downloading only when the
  // index does not say them.
  Result<std::pair<std::string, uint64_t>> digest_and_size(const wheel::WheelLink& link);

  const FetchStats& stats() const { return stats_; }
  std::string describe() const;
  wheel::WheelCache& cache() { return cache_; }

 private:
  Index(std::vector<SourceSpec> sources, const std::string& cache_dir, net::TransportOptions transport);
  Result<std::vector<wheel::WheelLink>> list_remote(const SourceSpec& s, const std::string& project);
  Status scan_directory(size_t source);
  Result<std::string> fetch_metadata_text(const wheel::WheelLink& link, std::string* how);
  Result<std::string> sidecar(const wheel::WheelLink& link);
  Result<std::string> range_read(const wheel::WheelLink& link);
  Result<std::string> from_file(const std::string& path, const wheel::WheelLink& link);

  std::vector<SourceSpec> sources_;
  std::unique_ptr<net::HttpClient> http_;  // before cache_: the cache downloads through it
  wheel::WheelCache cache_;
  std::map<size_t, std::map<std::string, std::vector<wheel::WheelLink>>> dirs_;  // source -> project -> links
  std::map<std::string, std::vector<wheel::WheelLink>> projects_;
  std::map<std::string, wheel::Metadata> metadata_;   // url -> parsed
  std::map<std::string, std::string> metadata_from_;  // url -> how ("sidecar", "range", ...)
  std::map<std::string, uint64_t> sizes_;             // url -> size learned from a range read
  FetchStats stats_;
};

// Parses and checks METADATA text for `link` (exposed for tests).
Result<wheel::Metadata> check_metadata(const std::string& text, const wheel::WheelLink& link);

// PEP 691 JSON project page -> links.
Result<std::vector<wheel::WheelLink>> parse_json_page(const std::string& json, const std::string& page_url);

}  // namespace dl::resolve
