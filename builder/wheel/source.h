// Where wheels come from: a local wheelhouse directory, a PEP 503 simple
// index, or a URL catalog (a table of name/version/python/variant/url rows,
// like the vendor tables that list one TensorFlow build per CUDA version).
//
// Variants: the same name and version may exist as cpu, cuda9.1, rocm or avx2
// builds that PEP 425 tags cannot tell apart. Every source carries a variant
// label (or none); a link from a labelled source only answers a query for
// that variant, an unlabelled one answers any query.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "builder/pypa/tags.h"
#include "builder/pypa/version.h"
#include "builder/wheel/cache.h"
#include "net/http.h"

namespace dl::wheel {

struct WheelLink {
  std::string filename;  // basename: "tensorflow-1.12.0-cp36-cp36m-linux_x86_64.whl"
  std::string url;       // http(s)://..., file://... or an absolute path
  std::string sha256;    // hex; "" when the source does not say
  std::string requires_python;
  bool yanked = false;
  std::string yanked_reason;
  std::string variant;  // "" = fits every variant
  std::string python;   // catalog rows only: "3.6"; "" = decided by tags
  std::string source;   // describe() of the source, for messages
};

class WheelSource {
 public:
  virtual ~WheelSource() = default;
  // Every wheel of `project` (any spelling) this source knows; empty if none.
  virtual Result<std::vector<WheelLink>> list(const std::string& project) = 0;
  virtual std::string describe() const = 0;
};

// *.whl files directly in `dir`.
std::unique_ptr<WheelSource> local_directory_source(std::string dir, std::string variant = "");
// PEP 503: GET <index_url>/<normalized-name>/ and read its anchors, through
// `http` (net::default_client() when null).
std::unique_ptr<WheelSource> simple_index_source(std::string index_url, std::string variant = "",
                                                 net::HttpClient* http = nullptr);

struct CatalogEntry {
  std::string name, version, python, variant, url, sha256;
};
// JSON array of {"name","version","python","variant","url","sha256"?}; errors
// name the file and the entry index.
Result<std::vector<CatalogEntry>> load_catalog(const std::string& path);
Result<std::vector<CatalogEntry>> parse_catalog(const std::string& json_text, const std::string& where);
std::unique_ptr<WheelSource> catalog_source(std::vector<CatalogEntry> entries, std::string where);

// PEP 503 project page -> links (exposed for tests). `page_url` resolves
// relative hrefs; a link that resolves to anything but http(s) is an error.
Result<std::vector<WheelLink>> parse_simple_page(const std::string& html, const std::string& page_url);

struct WheelQuery {
  std::string project;
  std::string specifier;  // PEP 440, "" = any
  std::string variant;    // "" = unlabelled links only
  std::string python;     // "3.6"; filters catalog rows that name a python
  bool allow_prereleases = false;
};

// The wheel pip would pick among all sources' links that fit the query's
// variant. Errors (not_found) explain every rejected file.
Result<WheelLink> find_wheel(const std::vector<WheelSource*>& sources, const WheelQuery& query,
                             const pypa::SupportedTags& supported);

// Download (or copy) a link into the cache, verifying its sha256 when known.
Result<CachedFile> fetch_link(const WheelLink& link, WheelCache& cache);

}  // namespace dl::wheel
