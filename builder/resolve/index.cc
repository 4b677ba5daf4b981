#include "builder/resolve/index.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "base/decimal.h"
#include "base/fs.h"
#include "base/sha256.h"
#include "base/strings.h"
#include "builder/pypa/name.h"
#include "builder/pypa/requirement.h"
#include "builder/pypa/version.h"
#include "builder/pypa/wheel_filename.h"
#include "builder/resolve/zip_member.h"
#include "builder/wheel/wheel_archive.h"
#include "net/http.h"
#include "net/url.h"

namespace dl::resolve {

namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxPage = 32u << 20;
constexpr uint64_t kTailGuess = 64 * 1024;
const char* kAccept =
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01";

bool remote(const std::string& s) { return s.starts_with("http://") || s.starts_with("https://"); }

std::string where_from(const std::string& url) { return remote(url) ? net::redact_url(url) : url; }

std::string shown(const wheel::WheelLink& l) { return l.filename + " (" + where_from(l.url) + ")"; }

bool is_hex64(const std::string& s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace

std::string FetchStats::str() const {
  size_t most = 0;
  for (auto& [_, n] : per_wheel) most = std::max(most, n);
  return std::to_string(index_pages) + " index pages, " + std::to_string(sidecars) + " metadata sidecars, " +
         std::to_string(range_reads) + " range reads, " + std::to_string(full_downloads) + " full downloads, " +
         std::to_string(local_reads) + " local wheels, " + std::to_string(cache_hits) + " cached; at most " +
         std::to_string(most) + " metadata fetch(es) per wheel";
}

namespace {
net::TransportOptions paged(net::TransportOptions t) {
  t.max_buffered_body = kMaxPage;
  return t;
}
}  // namespace

Index::Index(std::vector<SourceSpec> sources, const std::string& cache_dir, net::TransportOptions transport)
    : sources_(std::move(sources)),
      http_(std::make_unique<net::HttpClient>(paged(std::move(transport)))),
      cache_(cache_dir, http_.get()) {
  // A wheel downloaded from an index carries that index's credentials, and
  // only to the index's own host:port.
  for (auto& s : sources_)
    if (remote(s.location)) cache_.add_origin_credentials(s.location);
}
Index::~Index() = default;

Result<std::unique_ptr<Index>> Index::open(std::vector<SourceSpec> sources, const std::string& cache_dir,
                                           const net::TransportOptions& transport) {
  for (auto& s : sources) {
    if (remote(s.location) || (s.location.empty() && !s.links.empty())) continue;
    if (s.location.find("://") != std::string::npos)
      return invalid("wheel source " + s.location + ": expected a directory or an http(s):// index URL");
    if (!fs::is_directory(s.location))
      return invalid("--wheels " + s.location + ": not a directory; expected a wheelhouse");
  }
  DL_TRY(ensure_dir(cache_dir));
  return std::unique_ptr<Index>(new Index(std::move(sources), cache_dir, transport));
}

std::string Index::describe() const {
  std::vector<std::string> parts;
  for (auto& s : sources_)
    if (s.location.empty())
      parts.push_back(std::to_string(s.links.size()) + " catalog URLs");
    else
      parts.push_back((remote(s.location) ? "index " + net::redact_url(s.location) : "wheelhouse " + s.location) +
                      (s.variant.empty() ? "" : " [" + s.variant + "]"));
  return parts.empty() ? "no sources" : join(parts, ", ");
}

Status Index::scan_directory(size_t i) {
  if (dirs_.count(i)) return {};
  auto& by_project = dirs_[i];
  const SourceSpec& s = sources_[i];
  std::error_code ec;
  for (auto& f : fs::directory_iterator(s.location, ec)) {
    std::string name = f.path().filename().string();
    if (!name.ends_with(".whl") || !f.is_regular_file()) continue;
    auto fn = pypa::parse_wheel_filename(name);
    if (!fn.ok()) continue;  // not a wheel of any project
    wheel::WheelLink l;
    l.filename = name;
    l.url = fs::absolute(f.path()).string();
    l.variant = s.variant;
    l.source = "wheelhouse " + s.location + (s.variant.empty() ? "" : " [" + s.variant + "]");
    l.size = f.file_size();
    by_project[fn->normalized_name].push_back(std::move(l));
  }
  if (ec) return io_error(s.location + ": cannot list wheelhouse: " + ec.message());
  for (auto& [_, v] : by_project)
    std::sort(v.begin(), v.end(), [](auto& a, auto& b) { return a.filename < b.filename; });
  return {};
}

Result<std::vector<wheel::WheelLink>> Index::list_remote(const SourceSpec& s, const std::string& project) {
  std::string root = s.location.ends_with("/") ? s.location : s.location + "/";
  std::string page = root + pypa::normalize_name(project) + "/";
  net::Request req;
  req.url = page;
  req.headers.set("Accept", kAccept);
  ++stats_.index_pages;
  DL_ASSIGN_OR_RETURN(auto resp, http_->send(req));
  if (resp.status == 404) return std::vector<wheel::WheelLink>{};
  if (resp.status / 100 != 2) return net::http_error("GET", page, resp);
  std::string type = to_lower(resp.headers.get_or("Content-Type"));
  std::vector<wheel::WheelLink> links;
  if (type.find("application/vnd.pypi.simple.v1+json") != std::string::npos) {
    DL_ASSIGN_OR_RETURN(links, parse_json_page(resp.body, resp.url.empty() ? page : resp.url));
  } else {
    DL_ASSIGN_OR_RETURN(links, wheel::parse_simple_page(resp.body, resp.url.empty() ? page : resp.url));
  }
  for (auto& l : links) {
    l.variant = s.variant;
    l.source = "index " + net::redact_url(s.location) + (s.variant.empty() ? "" : " [" + s.variant + "]");
    if (!remote(l.url)) return invalid(net::redact_url(page) + ": link " + l.filename + " is not http(s)");
  }
  return links;
}

Result<const std::vector<wheel::WheelLink>*> Index::files(const std::string& project) {
  std::string name = pypa::normalize_name(project);
  if (auto it = projects_.find(name); it != projects_.end()) return &it->second;
  std::vector<wheel::WheelLink> all;
  for (size_t i = 0; i < sources_.size(); ++i) {
    if (sources_[i].location.empty()) {
      for (auto& l : sources_[i].links)
        if (auto fn = pypa::parse_wheel_filename(l.filename); fn.ok() && fn->normalized_name == name) all.push_back(l);
    } else if (remote(sources_[i].location)) {
      auto links = list_remote(sources_[i], name);
      if (!links.ok()) return links.error().wrap("listing " + name);
      for (auto& l : *links)
        if (auto fn = pypa::parse_wheel_filename(l.filename); fn.ok() && fn->normalized_name == name)
          all.push_back(std::move(l));
    } else {
      DL_TRY(scan_directory(i));
      if (auto it = dirs_[i].find(name); it != dirs_[i].end())
        all.insert(all.end(), it->second.begin(), it->second.end());
    }
  }
  return &(projects_[name] = std::move(all));
}

Result<wheel::Metadata> check_metadata(const std::string& text, const wheel::WheelLink& link) {
  std::string where = "METADATA of " + shown(link);
  auto md = wheel::parse_metadata(text, where);
  if (!md.ok()) return invalid("malformed " + md.error().message());
  DL_ASSIGN_OR_RETURN(auto fn, pypa::parse_wheel_filename(link.filename));
  if (pypa::normalize_name(md->name) != fn.normalized_name)
    return invalid("malformed " + where + ": Name '" + md->name + "' (expected " + fn.name +
                   ", as the file name says)");
  auto v = pypa::Version::parse(md->version);
  if (!v.ok() || v->compare(fn.version) != 0)
    return invalid("malformed " + where + ": Version '" + md->version + "' (expected " + fn.version.str() + ")");
  for (auto& r : md->requires_dist) {
    auto req = pypa::parse_requirement(r);
    if (!req.ok()) return invalid("malformed " + where + ": Requires-Dist: " + req.error().message());
  }
  if (!md->requires_python.empty()) {
    auto rp = pypa::SpecifierSet::parse(md->requires_python);
    if (!rp.ok()) return invalid("malformed " + where + ": Requires-Python: " + rp.error().message());
  }
  return md;
}

Result<std::string> Index::sidecar(const wheel::WheelLink& link) {
  std::string url = link.url.substr(0, link.url.find('#')) + ".metadata";
  net::Request req;
  req.url = url;
  DL_ASSIGN_OR_RETURN(auto resp, http_->send(req));
  if (resp.status / 100 != 2) return net::http_error("GET", url, resp).wrap("metadata sidecar of " + link.filename);
  if (link.core_metadata.starts_with("sha256=")) {
    std::string want = link.core_metadata.substr(7);
    std::string got = Sha256::hex(resp.body);
    if (got != want)
      return Error(ErrorKind::integrity, "metadata sidecar of " + link.filename + " (" + net::redact_url(url) +
                                             "): sha256 " + got + " does not match the index's " + want);
  }
  ++stats_.sidecars;
  return resp.body;
}

Result<std::string> Index::range_read(const wheel::WheelLink& link) {
  std::string url = link.url.substr(0, link.url.find('#'));
  auto get = [&](const std::string& range, std::string* content_range) -> Result<net::Response> {
    net::Request req;
    req.url = url;
    req.headers.set("Range", "bytes=" + range);
    req.headers.set("Accept-Encoding", "identity");
    DL_ASSIGN_OR_RETURN(auto resp, http_->send(req));
    if (resp.status != 206)
      return Error(ErrorKind::unsupported,
                   net::redact_url(url) + ": no range support (HTTP " + std::to_string(resp.status) + ")");
    if (content_range) *content_range = resp.headers.get_or("Content-Range");
    return resp;
  };
  std::string cr;
  DL_ASSIGN_OR_RETURN(auto tail_resp, get("-" + std::to_string(kTailGuess), &cr));
  // "bytes 100-199/200"
  size_t slash = cr.rfind('/');
  if (slash == std::string::npos)
    return Error(ErrorKind::unsupported, net::redact_url(url) + ": no Content-Range total");
  auto total_field = parse_decimal(std::string_view(cr).substr(slash + 1));
  if (!total_field) return invalid(net::redact_url(url) + ": Content-Range '" + cr + "' has no byte total");
  uint64_t total = *total_field;
  if (total < tail_resp.body.size())
    return invalid(net::redact_url(url) + ": Content-Range '" + cr + "' smaller than its body");
  sizes_[link.url] = total;
  ZipTail tail{tail_resp.body, total};
  RangeReader read_at = [&](uint64_t off, uint64_t len) -> Result<std::string> {
    if (len == 0) return std::string();
    DL_ASSIGN_OR_RETURN(auto r, get(std::to_string(off) + "-" + std::to_string(off + len - 1), nullptr));
    if (r.body.size() != len)
      return invalid(net::redact_url(url) + ": range read returned " + std::to_string(r.body.size()) +
                     " bytes, asked " + std::to_string(len));
    return r.body;
  };
  DL_ASSIGN_OR_RETURN(auto fn, pypa::parse_wheel_filename(link.filename));
  DL_ASSIGN_OR_RETURN(auto text, read_metadata_member(tail, read_at, fn.name, net::redact_url(url)));
  ++stats_.range_reads;
  return text;
}

Result<std::string> Index::from_file(const std::string& path, const wheel::WheelLink& link) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return io_error(path + ": cannot open");
  in.seekg(0, std::ios::end);
  uint64_t size = uint64_t(in.tellg());
  RangeReader read_at = [&](uint64_t off, uint64_t len) -> Result<std::string> {
    if (off + len > size) return invalid(link.filename + ": read past the end of the file");
    std::string buf(len, '\0');
    in.clear();
    in.seekg(std::streamoff(off));
    in.read(buf.data(), std::streamsize(len));
    if (uint64_t(in.gcount()) != len) return io_error(path + ": short read");
    return buf;
  };
  uint64_t tail_len = std::min<uint64_t>(size, kTailGuess);
  DL_ASSIGN_OR_RETURN(auto tail_bytes, read_at(size - tail_len, tail_len));
  DL_ASSIGN_OR_RETURN(auto fn, pypa::parse_wheel_filename(link.filename));
  auto text = read_metadata_member({tail_bytes, size}, read_at, fn.name, link.filename);
  if (text.ok() || text.error().kind() != ErrorKind::unsupported) return text;
  // zip64 and friends: the full reader handles them.
  DL_ASSIGN_OR_RETURN(auto contents, wheel::inspect_wheel(path, link.filename));
  (void)contents;
  return Error(ErrorKind::unsupported,
               link.filename + ": METADATA of a zip64 wheel cannot be read without installing it");
}

Result<std::string> Index::fetch_metadata_text(const wheel::WheelLink& link, std::string* how) {
  if (!remote(link.url)) {
    ++stats_.local_reads;
    *how = "wheelhouse";
    return from_file(link.url, link);
  }
  ++stats_.per_wheel[link.url];
  if (!link.core_metadata.empty()) {
    *how = "sidecar";
    return sidecar(link);
  }
  auto ranged = range_read(link);
  if (ranged.ok()) {
    *how = "range";
    return ranged;
  }
  if (ranged.error().kind() != ErrorKind::unsupported)
    return ranged.error().wrap("reading METADATA of " + link.filename);
  *how = "download";
  ++stats_.full_downloads;
  DL_ASSIGN_OR_RETURN(auto file, download(link));
  return from_file(file.path.string(), link);
}

Result<const wheel::Metadata*> Index::metadata(const wheel::WheelLink& link) {
  if (auto it = metadata_.find(link.url); it != metadata_.end()) return &it->second;
  // Content-addressed METADATA cache: valid only when the wheel's digest is known.
  fs::path cached;
  std::string text, how;
  if (is_hex64(link.sha256)) {
    cached = cache_.dir() / "metadata" / link.sha256;
    if (auto t = read_file(cached); t.ok()) {
      text = std::move(*t);
      how = "cache";
      ++stats_.cache_hits;
    }
  }
  if (how.empty()) {
    DL_ASSIGN_OR_RETURN(text, fetch_metadata_text(link, &how));
  }
  DL_ASSIGN_OR_RETURN(auto md, check_metadata(text, link));
  if (!cached.empty() && how != "cache") {
    DL_TRY(ensure_dir(cached.parent_path()));
    DL_TRY(write_file_atomic(cached, text));
  }
  metadata_from_[link.url] = how == "cache" && !link.core_metadata.empty() ? "sidecar" : how;
  return &(metadata_[link.url] = std::move(md));
}

Result<wheel::CachedFile> Index::download(const wheel::WheelLink& link) {
  auto file = cache_.fetch(link.url.substr(0, link.url.find('#')), link.sha256);
  if (!file.ok())
    return file.error().wrap("downloading " + pypa::normalize_name(link.filename.substr(0, link.filename.find('-'))) +
                             " wheel " + link.filename + " from " + link.source);
  if (auto it = metadata_from_.find(link.url); it != metadata_from_.end() && it->second == "sidecar") {
    DL_ASSIGN_OR_RETURN(auto own_text, from_file(file->path.string(), link));
    DL_ASSIGN_OR_RETURN(auto own, check_metadata(own_text, link));
    const wheel::Metadata& side = metadata_[link.url];
    if (own.requires_dist != side.requires_dist || own.requires_python != side.requires_python ||
        own.provides_extra != side.provides_extra || own.name != side.name || own.version != side.version)
      return Error(ErrorKind::integrity,
                   "metadata sidecar of " + shown(link) +
                       " disagrees with the wheel's own METADATA (Requires-Dist, Requires-Python, "
                       "Provides-Extra, Name or Version differ); the index is inconsistent");
  }
  return file;
}

Result<std::pair<std::string, uint64_t>> Index::digest_and_size(const wheel::WheelLink& link) {
  uint64_t size = link.size;
  if (!size)
    if (auto it = sizes_.find(link.url); it != sizes_.end()) size = it->second;
  if (is_hex64(link.sha256) && size) return std::pair{link.sha256, size};
  DL_ASSIGN_OR_RETURN(auto f, download(link));
  return std::pair{f.sha256, f.size};
}

Result<std::vector<wheel::WheelLink>> parse_json_page(const std::string& text, const std::string& page_url) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  std::string where = net::redact_url(page_url);
  if (j.is_discarded() || !j.is_object()) return invalid(where + ": not a PEP 691 JSON object");
  if (!j.contains("files") || !j["files"].is_array()) return invalid(where + ": missing \"files\" array (PEP 691)");
  std::vector<wheel::WheelLink> out;
  size_t i = 0;
  for (auto& f : j["files"]) {
    std::string at = where + ": files[" + std::to_string(i++) + "]";
    if (!f.is_object() || !f.contains("filename") || !f["filename"].is_string() || !f.contains("url") ||
        !f["url"].is_string())
      return invalid(at + ": expected an object with \"filename\" and \"url\" strings");
    wheel::WheelLink l;
    l.filename = f["filename"].get<std::string>();
    if (!l.filename.ends_with(".whl")) continue;
    DL_ASSIGN_OR_RETURN(l.url, net::resolve_url(page_url, f["url"].get<std::string>()));
    if (f.contains("hashes") && f["hashes"].is_object() && f["hashes"].contains("sha256") &&
        f["hashes"]["sha256"].is_string())
      l.sha256 = to_lower(f["hashes"]["sha256"].get<std::string>());
    if (f.contains("requires-python") && f["requires-python"].is_string())
      l.requires_python = f["requires-python"].get<std::string>();
    if (f.contains("yanked")) {
      auto& y = f["yanked"];
      if (y.is_string()) {
        l.yanked = true;
        l.yanked_reason = y.get<std::string>();
      } else if (y.is_boolean())
        l.yanked = y.get<bool>();
    }
    for (const char* key : {"core-metadata", "dist-info-metadata"}) {
      if (!f.contains(key) || !l.core_metadata.empty()) continue;
      auto& m = f[key];
      if (m.is_object() && m.contains("sha256") && m["sha256"].is_string())
        l.core_metadata = "sha256=" + to_lower(m["sha256"].get<std::string>());
      else if ((m.is_boolean() && m.get<bool>()) || m.is_object())
        l.core_metadata = "true";  // sidecar offered, no hash given
    }
    if (f.contains("size") && f["size"].is_number_unsigned()) l.size = f["size"].get<uint64_t>();
    out.push_back(std::move(l));
  }
  return out;
}

}  // namespace dl::resolve
