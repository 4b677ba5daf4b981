// Blob uploads: POST a session (or a cross-repository mount), then either
// one streamed PUT or PATCH chunks with Content-Range, then PUT ?digest=.
// A broken transfer asks the registry how far it got (GET on the session,
// Range header) and continues from there; when the session is gone (some
// registries cancel a session whose offset no longer matches) it starts a
// new one.
#include <algorithm>
#include <cstring>
#include <thread>

#include "base/decimal.h"
#include "base/strings.h"
#include "net/url.h"
#include "registry/client/client.h"

namespace dl::registry {

using net::add_query;
using net::backoff_delay;
using net::BodyOpener;
using net::BodyReader;
using net::http_error;
using net::redact_url;
using net::Request;
using net::resolve_url;

namespace {

constexpr const char* kOctets = "application/octet-stream";

// Bytes [offset, offset+len) of a source as a request body.
BodyOpener slice(const BlobSource& src, uint64_t offset, uint64_t len) {
  return [&src, offset, len]() -> Result<BodyReader> {
    auto inner = src.open(offset);
    if (!inner.ok()) return inner.error();
    auto left = std::make_shared<uint64_t>(len);
    auto reader = std::make_shared<BodyReader>(std::move(*inner));
    return BodyReader([left, reader](char* buf, size_t cap) -> Result<size_t> {
      if (*left == 0) return size_t{0};
      auto n = (*reader)(buf, static_cast<size_t>(std::min<uint64_t>(cap, *left)));
      if (!n.ok()) return n.error();
      if (*n == 0) return Error(ErrorKind::io, "blob source ended early");
      *left -= *n;
      return *n;
    });
  };
}

// "0-1023" -> 1024 bytes present. Distribution reports an empty session as
// "0-0" too; treating that as 0 costs at most a restart.
std::optional<uint64_t> range_end(const std::string& range) {
  std::string r = range;
  if (r.rfind("bytes=", 0) == 0) r = r.substr(6);
  auto dash = r.find('-');
  if (dash == std::string::npos) return std::nullopt;
  auto end = parse_decimal(std::string_view(r).substr(dash + 1));
  if (!end || *end == UINT64_MAX) return std::nullopt;
  if (r.substr(0, dash) == "0" && *end == 0) return 0;
  return *end + 1;
}

}  // namespace

Result<std::optional<UploadSession>> RegistryClient::start_upload(const Reference& repo, const Digest& digest,
                                                                  const std::string& mount_from) {
  Request req;
  req.method = "POST";
  req.url = repo_url(repo) + "/blobs/uploads/";
  if (!mount_from.empty()) {
    req.url = add_query(req.url, "mount", digest.str());
    req.url = add_query(req.url, "from", mount_from);
  }
  auto r = send(repo, req, true, {}, mount_from);
  if (!r.ok()) return r.error();
  if (r->status == 201 && !mount_from.empty()) return std::optional<UploadSession>();
  if (r->status != 202) return http_error("POST", req.url, *r);
  auto loc = r->headers.get("Location");
  if (!loc) return Error(ErrorKind::remote, "POST " + redact_url(req.url) + ": 202 without Location");
  auto abs = resolve_url(r->url, *loc);
  if (!abs.ok()) return abs.error();
  DL_TRY(net::require_http_url(*abs, "POST " + redact_url(req.url) + ": upload Location"));
  UploadSession s;
  s.location = *abs;
  if (auto min = r->headers.get("OCI-Chunk-Min-Length")) {
    auto n = parse_decimal(trim(*min));
    if (!n)
      return Error(ErrorKind::remote,
                   "POST " + redact_url(req.url) + ": OCI-Chunk-Min-Length '" + *min + "' is not a byte count");
    s.min_chunk = *n;
  }
  return std::optional<UploadSession>(s);
}

Status RegistryClient::upload_chunk(const Reference& repo, UploadSession& s, const BlobSource& src, uint64_t len) {
  Request req;
  req.method = "PATCH";
  req.url = s.location;
  req.retry = false;  // a failed chunk is resumed from the registry's offset instead
  req.headers.set("Content-Type", kOctets);
  req.headers.set("Content-Range", std::to_string(s.offset) + "-" + std::to_string(s.offset + len - 1));
  req.open_body = slice(src, s.offset, len);
  req.body_size = static_cast<int64_t>(len);
  auto r = send(repo, req, true);
  if (!r.ok()) return r.error();
  if (r->status != 202) return http_error("PATCH", req.url, *r);
  stats_.chunks++;
  stats_.bytes_uploaded += len;
  if (auto loc = r->headers.get("Location")) {
    auto abs = resolve_url(r->url, *loc);
    if (!abs.ok()) return abs.error();
    s.location = *abs;
  }
  uint64_t expected = s.offset + len;
  if (auto range = r->headers.get("Range"); range && range_end(*range) && *range_end(*range) != expected)
    return Error(ErrorKind::remote,
                 "PATCH " + redact_url(req.url) + ": registry has " + std::to_string(*range_end(*range)) +
                     " bytes, expected " + std::to_string(expected),
                 /*temporary=*/true);
  s.offset = expected;
  return {};
}

Status RegistryClient::refresh_upload(const Reference& repo, UploadSession& s) {
  Request req;
  req.url = s.location;
  auto r = send(repo, req, true);
  if (!r.ok()) return r.error();
  if (r->status != 204 && r->status != 200) return http_error("GET", req.url, *r);
  if (auto loc = r->headers.get("Location")) {
    auto abs = resolve_url(r->url, *loc);
    if (!abs.ok()) return abs.error();
    s.location = *abs;
  }
  auto range = r->headers.get("Range");
  s.offset = range ? range_end(*range).value_or(0) : 0;
  return {};
}

Status RegistryClient::finish_upload(const Reference& repo, UploadSession& s, const BlobSource& src) {
  Request req;
  req.method = "PUT";
  req.url = add_query(s.location, "digest", src.digest().str());
  req.retry = false;
  req.headers.set("Content-Type", kOctets);
  uint64_t rest = src.size() - s.offset;
  if (rest > 0) {
    req.open_body = slice(src, s.offset, rest);
  }
  req.body_size = static_cast<int64_t>(rest);
  auto r = send(repo, req, true);
  if (!r.ok()) return r.error();
  if (r->status != 201 && r->status != 204) return http_error("PUT", req.url, *r);
  stats_.bytes_uploaded += rest;
  s.offset = src.size();
  return {};
}

Status RegistryClient::resume_upload(const Reference& repo, UploadSession& s, const BlobSource& src) {
  DL_TRY(refresh_upload(repo, s));
  stats_.resumes++;
  uint64_t chunk = opts_.chunk_size;
  while (chunk > 0 && s.offset < src.size()) {
    uint64_t len = std::min(std::max(chunk, s.min_chunk), src.size() - s.offset);
    DL_TRY(upload_chunk(repo, s, src, len));
  }
  return finish_upload(repo, s, src);
}

Status RegistryClient::upload_once(const Reference& repo, const BlobSource& src, const std::string& mount_from) {
  auto started = start_upload(repo, src.digest(), mount_from);
  if (!started.ok()) return started.error();
  if (!*started) {
    stats_.blobs_mounted++;
    return {};
  }
  UploadSession s = **started;
  uint64_t chunk = opts_.chunk_size;
  std::mt19937_64 rng(std::random_device{}());
  for (int resumes = 0;; ++resumes) {
    Status st;
    while (chunk > 0 && s.offset < src.size() && st.ok()) {
      uint64_t len = std::min(std::max(chunk, s.min_chunk), src.size() - s.offset);
      st = upload_chunk(repo, s, src, len);
    }
    if (st.ok()) st = finish_upload(repo, s, src);
    if (st.ok()) {
      stats_.blobs_uploaded++;
      return {};
    }
    if (st.error().status() == 413 && chunk == 0) {
      // The registry (or a proxy in front) refuses a body this large:
      // continue with chunks in a new session.
      chunk = opts_.fallback_chunk_size;
      auto again = start_upload(repo);
      if (!again.ok()) return again.error();
      s = **again;
      continue;
    }
    // After a broken transfer the registry may cancel the session a moment
    // later (Distribution does when the bytes it got differ from its state):
    // 400/404/416 on a resumed session means "start over", not "give up".
    int code = st.error().status();
    if (resumes > 0 && (code == 400 || code == 404 || code == 416))
      return Error(ErrorKind::remote, "upload session lost (" + st.error().message() + ")", true);
    if (!st.error().is_temporary() || resumes >= opts_.max_resumes) return st;
    auth_.http().clock().sleep_for(backoff_delay(resumes, auth_.http().options().retry, rng));
    Status refreshed = refresh_upload(repo, s);
    if (!refreshed.ok())
      return Error(ErrorKind::remote, "upload session lost (" + refreshed.error().message() + ")", true);
    stats_.resumes++;
  }
}

// A registry that answers 201 and stores nothing must not pass for one that
// stored the blob: one HEAD after the upload, with the size checked.
Status RegistryClient::confirm_stored(const Reference& repo, const BlobSource& src) {
  auto size = blob_exists(repo, src.digest(), /*for_push=*/true);
  if (!size.ok()) return size.error();
  if (!*size)
    return Error(ErrorKind::remote,
                 "the registry accepted blob " + src.digest().str() + " but does not have it afterwards (HEAD: 404)",
                 /*temporary=*/true);
  if (**size != src.size())
    return Error(ErrorKind::integrity,
                 "the registry stored blob " + src.digest().str() + " with " + std::to_string(**size) +
                     " bytes, expected " + std::to_string(src.size()),
                 /*temporary=*/true);
  return {};
}

Status RegistryClient::push_blob(const Reference& repo, const BlobSource& src, const std::string& mount_from,
                                 bool check_exists) {
  std::string what = "pushing blob " + src.digest().str() + " to " + repo.name();
  std::string from = mount_from == repo.repository ? "" : mount_from;
  std::mt19937_64 rng(std::random_device{}());
  for (int restart = 0;; ++restart) {
    std::optional<uint64_t> none;
    auto exists = restart == 0 && !check_exists ? Result<std::optional<uint64_t>>(none)
                                                : blob_exists(repo, src.digest(), /*for_push=*/true);
    if (!exists.ok()) return exists.error().wrap(what);
    if (*exists) {
      if (restart == 0)
        stats_.blobs_existing++;
      else
        stats_.blobs_uploaded++;  // the lost response had in fact committed it
      return {};
    }
    Status st = upload_once(repo, src, restart == 0 ? from : "");
    if (st.ok()) st = confirm_stored(repo, src);
    if (st.ok()) return {};
    if (!st.error().is_temporary() || restart >= opts_.max_resumes) return st.error().wrap(what);
    stats_.restarts++;
    auth_.http().clock().sleep_for(backoff_delay(restart, auth_.http().options().retry, rng));
  }
}

Status RegistryClient::push_blobs(const Reference& repo, const std::vector<std::shared_ptr<BlobSource>>& blobs,
                                  const std::string& mount_from) {
  std::vector<std::shared_ptr<BlobSource>> order = blobs;
  // Largest first: the long transfers start early and small ones fill gaps.
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a->size() > b->size(); });
  order.erase(
      std::unique(order.begin(), order.end(), [](const auto& a, const auto& b) { return a->digest() == b->digest(); }),
      order.end());
  std::atomic<size_t> next{0};
  std::mutex mu;
  std::optional<Error> first_error;
  auto worker = [&] {
    while (true) {
      {
        std::lock_guard<std::mutex> l(mu);
        if (first_error) return;
      }
      size_t i = next++;
      if (i >= order.size()) return;
      Status st = push_blob(repo, *order[i], mount_from);
      if (!st.ok()) {
        std::lock_guard<std::mutex> l(mu);
        if (!first_error) first_error = st.error();
      }
    }
  };
  size_t n = std::min<size_t>(static_cast<size_t>(opts_.jobs), order.size());
  std::vector<std::thread> threads;
  for (size_t i = 1; i < n; ++i) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  if (first_error) return *first_error;
  return {};
}

}  // namespace dl::registry
