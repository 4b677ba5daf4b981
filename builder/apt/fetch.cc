#include "builder/apt/fetch.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <memory>
#include <set>

#include "base/fs.h"
#include "base/sha256.h"
#include "base/strings.h"

namespace dl::apt {

namespace {

struct Cache {
  fs::path root;  // <cache_dir>/apt
  fs::path blob(const std::string& hex) const { return root / "blobs" / "sha256" / hex; }
  // Readable and unique: apt's list-file spelling plus a digest of the URL.
  fs::path ref(const std::string& url) const {
    std::string name;
    for (char c : url.substr(url.find("://") + 3)) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    return root / "refs" / (name.substr(0, 120) + "-" + Sha256::hex(url).substr(0, 16));
  }
};

Error fetch_error(const std::string& url, const net::Response& r) { return net::http_error("GET", url, r); }

// A small body (Release, signature) kept in memory, bounded.
Result<std::string> get_text(net::HttpClient& http, const std::string& url, size_t max) {
  net::Request req;
  req.url = url;
  std::string body;
  DL_ASSIGN_OR_RETURN(net::Response r, http.send(req, [&](const char* d, size_t n) -> Status {
    if (body.size() + n > max)
      return Error(ErrorKind::integrity, url + ": larger than " + std::to_string(max) + " bytes");
    body.append(d, n);
    return {};
  }));
  if (r.status / 100 != 2) return fetch_error(url, r);
  return body;
}

Status store_blob(const Cache& c, const std::string& data, std::string* hex) {
  *hex = Sha256::hex(data);
  fs::path p = c.blob(*hex);
  std::error_code ec;
  if (fs::exists(p, ec)) return {};
  DL_TRY(ensure_dir(p.parent_path()));
  return write_file_atomic(p, data);
}

struct SignedRelease {
  std::string url;      // InRelease or Release
  std::string sha256;   // of the raw bytes at url
  ReleaseFile release;  // parsed from the signed text only
};

// Signature, then dates: a Release that fails either is never cached.
Result<SignedRelease> verify_release(const std::string& url, const std::string& raw, const std::string& sig,
                                     const Source& s, const FetchOptions& opts) {
  Keyring k{s.signed_by_file, s.signed_by_key};
  DL_ASSIGN_OR_RETURN(std::string text, verify_signature(raw, sig, k, url, opts));
  DL_ASSIGN_OR_RETURN(ReleaseFile rel, parse_release(text, url));
  DL_TRY(check_release_dates(rel, url, opts.now.value_or(std::chrono::system_clock::now())));
  return SignedRelease{url, Sha256::hex(raw), std::move(rel)};
}

// Fetches InRelease (Release + Release.gpg when there is none, or with sqv),
// verifies it, and records it in the cache only once it verified.
Result<SignedRelease> fetch_release(const std::string& dist, const Source& s, const FetchOptions& opts, const Cache& c,
                                    net::HttpClient& http) {
  std::string in_url = dist + "/InRelease", rel_url = dist + "/Release";
  if (opts.offline) {
    for (const std::string& url : {in_url, rel_url}) {
      auto ref = read_file(c.ref(url));
      if (!ref.ok()) continue;
      auto w = split(trim(*ref), ' ');
      auto raw = read_file(c.blob(w[0]));
      if (!raw.ok()) return Error(ErrorKind::not_found, url + ": cached copy is missing; run without --offline");
      std::string sig;
      if (w.size() > 1) {
        auto sr = read_file(c.blob(w[1]));
        if (!sr.ok()) return Error(ErrorKind::not_found, url + ".gpg: cached copy is missing; run without --offline");
        sig = *sr;
      }
      return verify_release(url, *raw, sig, s, opts);
    }
    return Error(ErrorKind::not_found, in_url + ": not in the cache (offline); run without --offline first");
  }
  std::string raw, sig, url;
  if (opts.verifier != "sqv") {
    auto r = get_text(http, in_url, opts.max_release_bytes);
    if (r.ok()) {
      raw = *r;
      url = in_url;
    } else if (r.error().kind() != ErrorKind::not_found) {
      return r.error();
    }
  }
  if (url.empty()) {
    DL_ASSIGN_OR_RETURN(raw, get_text(http, rel_url, opts.max_release_bytes));
    DL_ASSIGN_OR_RETURN(sig, get_text(http, rel_url + ".gpg", 1 << 20));
    url = rel_url;
  }
  DL_ASSIGN_OR_RETURN(SignedRelease sr, verify_release(url, raw, sig, s, opts));
  std::string h1, h2;
  DL_TRY(store_blob(c, raw, &h1));
  if (!sig.empty()) DL_TRY(store_blob(c, sig, &h2));
  DL_TRY(ensure_dir(c.ref(url).parent_path()));
  DL_TRY(write_file_atomic(c.ref(url), h1 + (h2.empty() ? "" : " " + h2) + "\n"));
  return sr;
}

// Streams `url` into a temp file beside the cache, checking size and sha256.
Result<AtomicFile> download(net::HttpClient& http, const std::string& url, const ReleaseFile::Entry& e,
                            const Cache& c) {
  DL_TRY(ensure_dir(c.root / "tmp"));
  DL_ASSIGN_OR_RETURN(AtomicFile f, AtomicFile::create(c.root / "tmp" / ("dl-" + e.sha256)));
  Sha256 h;
  uint64_t got = 0;
  net::Request req;
  req.url = url;
  DL_ASSIGN_OR_RETURN(net::Response r, http.send(req, [&](const char* d, size_t n) -> Status {
    got += n;
    if (got > e.size)
      return Error(ErrorKind::integrity, url + ": larger than the " + std::to_string(e.size) + " bytes Release lists");
    h.update(d, n);
    return f.write(d, n);
  }));
  if (r.status / 100 != 2) return fetch_error(url, r);
  std::string hex = h.hex_digest();
  if (got != e.size || hex != e.sha256)
    return Error(ErrorKind::integrity, url + ": sha256 " + hex + " (" + std::to_string(got) +
                                           " bytes) does not match the Release's " + e.sha256 + " (" +
                                           std::to_string(e.size) + " bytes)");
  return f;
}

// Decompresses (xz, gz or none) into the blob store, checking the
// uncompressed sha256 when the Release lists it. Returns the blob's hex.
Result<std::string> store_packages(const fs::path& compressed, const std::string& url, const ReleaseFile::Entry* plain,
                                   const Cache& c, size_t max) {
  std::unique_ptr<archive, int (*)(archive*)> a(archive_read_new(), archive_read_free);
  archive_read_support_filter_all(a.get());
  archive_read_support_format_raw(a.get());
  archive_entry* ent = nullptr;
  if (archive_read_open_filename(a.get(), compressed.c_str(), 1 << 16) != ARCHIVE_OK ||
      archive_read_next_header(a.get(), &ent) != ARCHIVE_OK)
    return Error(ErrorKind::integrity, url + ": not a readable index: " + archive_error_string(a.get()));
  DL_TRY(ensure_dir(c.root / "tmp"));
  DL_ASSIGN_OR_RETURN(AtomicFile out, AtomicFile::create(c.root / "tmp" / "packages"));
  Sha256 h;
  uint64_t total = 0;
  char buf[1 << 16];
  for (;;) {
    la_ssize_t n = archive_read_data(a.get(), buf, sizeof buf);
    if (n < 0) return Error(ErrorKind::integrity, url + ": decompression failed: " + archive_error_string(a.get()));
    if (n == 0) break;
    total += static_cast<uint64_t>(n);
    if (total > max)
      return Error(ErrorKind::integrity, url + ": decompresses to more than " + std::to_string(max) + " bytes");
    h.update(buf, static_cast<size_t>(n));
    DL_TRY(out.write(buf, static_cast<size_t>(n)));
  }
  std::string hex = h.hex_digest();
  if (plain && (hex != plain->sha256 || total != plain->size))
    return Error(ErrorKind::integrity,
                 url + ": uncompressed sha256 " + hex + " does not match the Release's " + plain->sha256);
  fs::path target = c.blob(hex);
  DL_TRY(ensure_dir(target.parent_path()));
  // Rename into the content address only now that every check passed.
  std::error_code ec;
  fs::rename(out.temp_path(), target, ec);
  if (ec) return io_error("rename " + out.temp_path().string() + ": " + ec.message());
  return hex;
}

struct Target {
  std::string component, arch;
  bool optional = false;  // binary-all: only when the Release offers it
};

Result<RepoIndex> fetch_target(const std::string& uri, const std::string& dist, const SignedRelease& sr,
                               const ReleaseFile& rel, const Target& t, const Source& s, const FetchOptions& opts,
                               const Cache& c, net::HttpClient& http) {
  std::string base = t.component + "/binary-" + t.arch + "/Packages";
  const ReleaseFile::Entry* plain = rel.find(base);
  const ReleaseFile::Entry* comp = nullptr;
  std::string chosen;
  for (const char* ext : {".xz", ".gz", ""}) {
    comp = rel.find(base + ext);
    if (comp) {
      chosen = base + ext;
      break;
    }
  }
  if (!comp)
    return Error(ErrorKind::not_found, sr.url + ": lists no " + base + "(.xz|.gz); check Components and Architectures");
  RepoIndex ix;
  ix.uri = uri;
  ix.suite = dist.substr(dist.rfind('/') + 1);
  ix.component = t.component;
  ix.arch = t.arch;
  ix.release_url = sr.url;
  ix.release_sha256 = sr.sha256;
  ix.origin = s.origin;
  ix.packages_url = rel.acquire_by_hash
                        ? dist + "/" + t.component + "/binary-" + t.arch + "/by-hash/SHA256/" + comp->sha256
                        : dist + "/" + chosen;
  std::error_code ec;
  if (plain && fs::exists(c.blob(plain->sha256), ec)) {
    ix.packages_sha256 = plain->sha256;
  } else if (opts.offline) {
    return Error(ErrorKind::not_found, ix.packages_url + ": not in the cache (offline)");
  } else {
    DL_ASSIGN_OR_RETURN(AtomicFile f, download(http, ix.packages_url, *comp, c));
    DL_ASSIGN_OR_RETURN(ix.packages_sha256,
                        store_packages(f.temp_path(), ix.packages_url, plain, c, opts.max_packages_bytes));
  }
  ix.packages_path = c.blob(ix.packages_sha256).string();
  return ix;
}

}  // namespace

Result<std::vector<RepoIndex>> fetch_indexes(const std::vector<Source>& sources, const FetchOptions& opts,
                                             net::HttpClient& http) {
  if (opts.cache_dir.empty()) return invalid("apt fetch: no cache directory");
  Cache c{fs::path(opts.cache_dir) / "apt"};
  std::vector<RepoIndex> out;
  std::set<std::string> done;
  for (const auto& s : sources) {
    if (!s.architectures.empty() &&
        std::find(s.architectures.begin(), s.architectures.end(), opts.arch) == s.architectures.end())
      continue;  // apt skips a source restricted to other architectures
    for (const auto& uri : s.uris) {
      for (const auto& suite : s.suites) {
        if (!suite.empty() && suite.back() == '/')
          return Error(ErrorKind::unsupported,
                       s.origin + ": flat repository '" + suite + "' is not supported; use dists/<suite>");
        std::string dist = uri + "/dists/" + suite;
        if (!done.insert(dist + " " + join(s.components, " ")).second) continue;  // named twice: once, as apt does
        auto sr = fetch_release(dist, s, opts, c, http);
        if (!sr.ok()) return sr.error();
        const ReleaseFile& rel = sr->release;
        bool separate_all = !rel.no_separate_all && std::find(rel.architectures.begin(), rel.architectures.end(),
                                                              "all") != rel.architectures.end();
        for (const auto& comp : s.components) {
          std::vector<Target> targets = {{comp, opts.arch, false}};
          if (separate_all) targets.push_back({comp, "all", true});
          for (const auto& t : targets) {
            std::string base = t.component + "/binary-" + t.arch + "/Packages";
            if (t.optional && !rel.find(base) && !rel.find(base + ".xz") && !rel.find(base + ".gz")) continue;
            DL_ASSIGN_OR_RETURN(RepoIndex ix, fetch_target(uri, dist, *sr, rel, t, s, opts, c, http));
            out.push_back(std::move(ix));
          }
        }
      }
    }
  }
  return out;
}

}  // namespace dl::apt
