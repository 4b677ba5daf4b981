#include "registry/client/client.h"

#include <nlohmann/json.hpp>

#include <set>

#include "base/decimal.h"
#include "base/json_limits.h"
#include "base/strings.h"
#include "net/url.h"

namespace dl::registry {

using net::add_query;
using net::backoff_delay;
using net::BodySink;
using net::has_registry_error;
using net::Headers;
using net::http_error;
using net::HttpClient;
using net::Request;
using net::resolve_url;
using net::Response;

namespace {

// A loopback registry is plain HTTP unless it answers a TLS handshake, as
// docker and crane treat localhost. A certificate complaint still means TLS
// is spoken: the user then needs --ca-file, and the error says so.
bool speaks_tls(HttpClient& http, const std::string& host) {
  Request req;
  req.url = "https://" + host + "/v2/";
  req.retry = false;
  req.follow_redirects = false;
  auto r = http.send(req);
  if (r.ok()) return true;
  return r.error().message().find("certificate") != std::string::npos;
}

// A response's Content-Length (0 when absent), strictly: "12x" is no size.
Result<uint64_t> content_length(const Response& r, const std::string& what) {
  auto header = r.headers.get("Content-Length");
  if (!header) return uint64_t(0);
  auto n = parse_decimal(trim(*header));
  if (!n) return Error(ErrorKind::remote, what + ": Content-Length '" + *header + "' is not a byte count");
  return *n;
}

std::string strip_params(const std::string& content_type) {
  return trim(content_type.substr(0, content_type.find(';')));
}

const char* accept_manifests() {
  static const std::string v = std::string(media::kOciIndex) + ", " + media::kOciManifest + ", " +
                               media::kDockerManifestList + ", " + media::kDockerManifest;
  return v.c_str();
}

// Link: </v2/x/tags/list?last=a&n=2>; rel="next"
std::string next_link(const Headers& h) {
  for (const auto& link : h.get_all("Link")) {
    auto lt = link.find('<'), gt = link.find('>');
    if (lt == std::string::npos || gt == std::string::npos || gt < lt) continue;
    std::string rest = to_lower(link.substr(gt + 1));
    if (rest.find("rel=\"next\"") != std::string::npos || rest.find("rel=next") != std::string::npos)
      return link.substr(lt + 1, gt - lt - 1);
  }
  return "";
}

}  // namespace

RegistryClient::RegistryClient(Authenticator& auth, HostConfig hosts, ClientOptions opts)
    : auth_(auth), hosts_(std::move(hosts)), opts_(opts) {
  if (opts_.jobs < 1) opts_.jobs = 1;
  hosts_.set_tls_probe([&http = auth_.http()](const std::string& host) { return speaks_tls(http, host); });
}

std::string RegistryClient::repo_url(const Reference& repo) const {
  return hosts_.base_url(repo) + "/v2/" + repo.repository;
}

Result<Response> RegistryClient::send(const Reference& repo, const Request& req, bool push, const BodySink& sink,
                                      const std::string& mount_from) {
  std::vector<std::string> scopes{push ? push_scope(repo.repository) : pull_scope(repo.repository)};
  if (!mount_from.empty()) scopes.push_back(pull_scope(mount_from));
  return auth_.send(repo.registry, req, scopes, sink, hosts_.base_url(repo));
}

Result<std::optional<uint64_t>> RegistryClient::blob_exists(const Reference& repo, const Digest& digest,
                                                            bool for_push) {
  Request req;
  req.method = "HEAD";
  req.url = repo_url(repo) + "/blobs/" + digest.str();
  auto r = send(repo, req, for_push);
  if (!r.ok()) return r.error();
  if (r->status == 404) return std::optional<uint64_t>();
  if (r->status != 200) return http_error(req.method, req.url, *r);
  DL_ASSIGN_OR_RETURN(uint64_t size, content_length(*r, "HEAD " + net::redact_url(req.url)));
  return std::optional<uint64_t>(size);
}

Status RegistryClient::fetch_blob(const Reference& repo, const Digest& digest, int64_t expected_size,
                                  const BodySink& sink, uint64_t max_size) {
  std::string url = repo_url(repo) + "/blobs/" + digest.str();
  std::string what = "blob " + digest.str() + " from " + repo.name();
  Sha256 hash;
  uint64_t got = 0;
  BodySink verify = [&](const char* data, size_t len) -> Status {
    if (got + len > max_size)
      return Error(ErrorKind::integrity, what + ": larger than the limit of " + std::to_string(max_size) + " bytes");
    if (expected_size >= 0 && got + len > static_cast<uint64_t>(expected_size))
      return Error(ErrorKind::integrity, what + ": more bytes than the expected " + std::to_string(expected_size));
    hash.update(data, len);
    got += len;
    stats_.bytes_downloaded += len;
    return sink(data, len);
  };
  std::mt19937_64 rng(std::random_device{}());
  for (int attempt = 0;; ++attempt) {
    Request req;
    req.url = url;
    if (got > 0) {
      req.headers.set("Range", "bytes=" + std::to_string(got) + "-");
      req.sink_statuses = {206};
    }
    auto r = send(repo, req, false, verify);
    if (!r.ok()) {
      if (r.error().is_temporary() && attempt < opts_.max_resumes) {
        auth_.http().clock().sleep_for(backoff_delay(attempt, auth_.http().options().retry, rng));
        continue;
      }
      return r.error().wrap("fetching " + what);
    }
    if (r->status != 200 && r->status != 206) return http_error("GET", r->url, *r).wrap("fetching " + what);
    break;
  }
  if (expected_size >= 0 && got != static_cast<uint64_t>(expected_size))
    return Error(ErrorKind::integrity,
                 what + ": got " + std::to_string(got) + " bytes, expected " + std::to_string(expected_size));
  std::string actual = hash.hex_digest();
  if (actual != digest.hex)
    return Error(ErrorKind::integrity, what + ": content has digest sha256:" + actual + ", expected " + digest.str());
  return {};
}

Result<std::string> RegistryClient::fetch_blob_bytes(const Reference& repo, const Digest& digest, uint64_t max_size) {
  std::string out;
  DL_TRY(fetch_blob(
      repo, digest, -1,
      [&](const char* d, size_t n) -> Status {
        out.append(d, n);
        return {};
      },
      max_size));
  return out;
}

Result<ManifestData> RegistryClient::get_manifest(const Reference& ref) {
  Request req;
  req.url = repo_url(ref) + "/manifests/" + ref.identifier();
  req.headers.set("Accept", accept_manifests());
  auto r = send(ref, req, false);
  if (!r.ok()) return r.error().wrap("fetching manifest " + ref.str());
  if (r->status != 200) return http_error("GET", req.url, *r).wrap("fetching manifest " + ref.str());
  if (r->body.size() > opts_.max_manifest_size)
    return Error(ErrorKind::remote,
                 "manifest " + ref.str() + " is larger than " + std::to_string(opts_.max_manifest_size) + " bytes");
  DL_TRY(check_json_limits(r->body, "manifest " + ref.str(), {opts_.max_manifest_size, 32}));
  ManifestData m;
  m.bytes = std::move(r->body);
  m.digest = Digest::of(m.bytes);
  m.media_type = strip_params(r->headers.get_or("Content-Type"));
  if (!ref.digest.empty() && m.digest.str() != ref.digest)
    return Error(ErrorKind::integrity, "manifest " + ref.str() + ": content has digest " + m.digest.str());
  if (auto dcd = r->headers.get("Docker-Content-Digest"); dcd && ref.digest.empty() && *dcd != m.digest.str())
    return Error(ErrorKind::integrity,
                 "manifest " + ref.str() + ": registry says digest " + *dcd + " but content has " + m.digest.str());
  return m;
}

Result<ManifestInfo> RegistryClient::head_manifest(const Reference& ref, bool for_push) {
  Request req;
  req.method = "HEAD";
  req.url = repo_url(ref) + "/manifests/" + ref.identifier();
  req.headers.set("Accept", accept_manifests());
  auto r = send(ref, req, for_push);
  if (!r.ok()) return r.error().wrap("checking manifest " + ref.str());
  if (r->status != 200) return http_error("HEAD", req.url, *r).wrap("checking manifest " + ref.str());
  ManifestInfo info;
  info.media_type = strip_params(r->headers.get_or("Content-Type"));
  DL_ASSIGN_OR_RETURN(info.size, content_length(*r, "HEAD " + net::redact_url(req.url)));
  auto dcd = r->headers.get("Docker-Content-Digest");
  if (!dcd) {
    // Some registries omit the header on HEAD; the body tells for sure.
    auto m = get_manifest(ref);
    if (!m.ok()) return m.error();
    return ManifestInfo{m->media_type, m->digest, m->bytes.size()};
  }
  auto d = Digest::parse(*dcd);
  if (!d.ok()) return d.error().wrap("manifest " + ref.str() + ": Docker-Content-Digest");
  info.digest = *d;
  return info;
}

Result<Digest> RegistryClient::put_manifest(const Reference& ref, const std::string& media_type,
                                            const std::string& bytes) {
  Digest computed = Digest::of(bytes);
  if (!ref.digest.empty() && ref.digest != computed.str())
    return invalid("pushing manifest " + ref.str() + ": content has digest " + computed.str());
  Request req;
  req.method = "PUT";
  req.url = repo_url(ref) + "/manifests/" + ref.identifier();
  req.headers.set("Content-Type", media_type);
  req.body = bytes;
  auto r = send(ref, req, true);
  // A manifest PUT right after its blobs were confirmed can be refused
  // with MANIFEST_BLOB_UNKNOWN: Distribution's filesystem driver rewrites
  // a repository's blob link in place (a verification at that moment reads
  // it empty), and S3-backed registries are eventually consistent. Two more
  // tries after the retry policy's backoff; a registry that really lacks the
  // blob still fails, naming it.
  for (int settle = 0; settle < 2 && r.ok() && r->status == 400 && has_registry_error(*r, "MANIFEST_BLOB_UNKNOWN");
       ++settle) {
    auth_.http().clock().sleep_for(auth_.http().options().retry.base_delay * (1 << settle));
    r = send(ref, req, true);
  }
  if (!r.ok()) return r.error().wrap("pushing manifest " + ref.str());
  if (r->status != 201 && r->status != 200) return http_error("PUT", req.url, *r).wrap("pushing manifest " + ref.str());
  if (auto dcd = r->headers.get("Docker-Content-Digest"); dcd && *dcd != computed.str())
    return Error(ErrorKind::integrity,
                 "pushing manifest " + ref.str() + ": registry stored digest " + *dcd + ", expected " + computed.str());
  return computed;
}

Status RegistryClient::check_push(const Reference& repo) {
  std::string what = "cannot push to " + repo.name();
  Request req;
  req.method = "POST";
  req.url = repo_url(repo) + "/blobs/uploads/";
  req.retry = true;
  auto r = send(repo, req, true);
  if (!r.ok()) return r.error().wrap(what);
  if (r->status == 401 || r->status == 403)
    return http_error("POST", req.url, *r).wrap(what + " (no push permission for these credentials)");
  if (r->status != 202) return http_error("POST", req.url, *r).wrap(what);
  // Cancel the empty session; a registry that cannot is not a reason to
  // fail (sessions expire).
  if (auto loc = r->headers.get("Location")) {
    if (auto abs = resolve_url(r->url, *loc); abs.ok()) {
      Request del;
      del.method = "DELETE";
      del.url = *abs;
      del.retry = false;
      (void)send(repo, del, true);
    }
  }
  return {};
}

Result<std::vector<std::string>> RegistryClient::list_tags(const Reference& repo, int page_size) {
  std::vector<std::string> tags;
  std::string url = repo_url(repo) + "/tags/list";
  if (page_size > 0) url = add_query(url, "n", std::to_string(page_size));
  std::string what = "listing tags of " + repo.name();
  std::set<std::string> seen;
  for (int page = 0; !url.empty(); ++page) {
    if (page >= opts_.max_tag_pages)
      return Error(ErrorKind::remote, what + ": more than " + std::to_string(opts_.max_tag_pages) +
                                          " pages (the registry's Link pagination does not end)");
    if (!seen.insert(url).second)
      return Error(ErrorKind::remote, what + ": page " + std::to_string(page + 1) + " links back to " +
                                          net::redact_url(url) + ", already read (a pagination loop)");
    Request req;
    req.url = url;
    auto r = send(repo, req, false);
    if (!r.ok()) return r.error().wrap(what);
    if (r->status != 200) return http_error("GET", url, *r).wrap(what);
    DL_TRY(check_json_limits(r->body, what, {opts_.max_manifest_size, 8}));
    auto j = nlohmann::json::parse(r->body, nullptr, false);
    if (j.is_discarded() || !j.is_object())
      return Error(ErrorKind::remote, "listing tags of " + repo.name() + ": response is not a JSON object");
    if (j.contains("tags") && j["tags"].is_array())
      for (const auto& t : j["tags"])
        if (t.is_string()) tags.push_back(t.get<std::string>());
    if (tags.size() > opts_.max_tags)
      return Error(ErrorKind::remote, what + ": more than " + std::to_string(opts_.max_tags) + " tags");
    std::string next = next_link(r->headers);
    if (next.empty()) break;
    auto resolved = resolve_url(url, next);
    if (!resolved.ok()) return resolved.error();
    url = *resolved;
  }
  return tags;
}

}  // namespace dl::registry
