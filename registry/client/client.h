// The OCI distribution API over an Authenticator: blobs, manifests, tags.
// Content-agnostic: it moves bytes with a media type and a digest and never
// parses manifests (that is builder/'s job).
//
// References passed in are final: mirror and --registry rewriting happen
// before (HostConfig::for_pull / for_push); HostConfig here only decides
// http vs https.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/sha256.h"
#include "registry/auth/authenticator.h"
#include "registry/reference/hosts.h"
#include "registry/reference/reference.h"
#include "registry/store/blob_source.h"
#include "registry/store/store.h"

namespace dl::registry {

using net::BodyReader;
using net::BodySink;
using net::Request;
using net::Response;
using store::BlobSource;
using store::file_blob;
using store::memory_blob;

namespace media {
inline constexpr const char* kDockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr const char* kDockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr const char* kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr const char* kOciIndex = "application/vnd.oci.image.index.v1+json";
}  // namespace media

struct ClientOptions {
  // 0: one streamed PUT per blob (PATCH chunks only after a 413 or to
  // resume). Otherwise PATCH chunks of this many bytes.
  uint64_t chunk_size = 0;
  uint64_t fallback_chunk_size = 16ull << 20;  // after a 413
  int jobs = 4;                                // parallel blob transfers in push_blobs
  uint64_t max_manifest_size = 4ull << 20;
  int max_resumes = 5;  // per blob
  // Tag listing: a registry that paginates forever is cut here.
  int max_tag_pages = 1000;
  uint64_t max_tags = 100000;
};

using ManifestData = store::Manifest;
using ManifestInfo = store::ManifestHead;

// Counters, for callers' reports and for tests that assert what happened.
struct TransferStats {
  std::atomic<uint64_t> blobs_existing{0}, blobs_mounted{0}, blobs_uploaded{0};
  std::atomic<uint64_t> bytes_uploaded{0}, bytes_downloaded{0};
  std::atomic<uint64_t> resumes{0}, restarts{0}, chunks{0};
};

// An upload in progress: the URL to continue it and how much the registry has.
struct UploadSession {
  std::string location;  // absolute
  uint64_t offset = 0;
  uint64_t min_chunk = 0;  // OCI-Chunk-Min-Length
};

class RegistryClient {
 public:
  RegistryClient(Authenticator& auth, HostConfig hosts, ClientOptions opts = {});

  // ---- blobs
  // Size when the repository has the blob, nullopt when not.
  Result<std::optional<uint64_t>> blob_exists(const Reference& repo, const Digest& digest, bool for_push = false);
  // Streams the blob into `sink`, verifying size (when expected_size >= 0)
  // and digest as bytes pass; refuses more than max_size bytes. A broken
  // download continues with a Range request.
  Status fetch_blob(const Reference& repo, const Digest& digest, int64_t expected_size, const BodySink& sink,
                    uint64_t max_size = UINT64_MAX);
  Result<std::string> fetch_blob_bytes(const Reference& repo, const Digest& digest, uint64_t max_size = 16ull << 20);

  // HEAD, then mount from `mount_from` (a repository on the same registry)
  // when given, else upload. No-op when the blob already exists. Without
  // check_exists the first HEAD is skipped: a mount of a blob the caller
  // knows is on the registry needs one round trip, not two.
  Status push_blob(const Reference& repo, const BlobSource& src, const std::string& mount_from = "",
                   bool check_exists = true);
  // Pushes in parallel (opts.jobs), largest first; stops at the first error.
  Status push_blobs(const Reference& repo, const std::vector<std::shared_ptr<BlobSource>>& blobs,
                    const std::string& mount_from = "");

  // Upload primitives, public for resuming and for tests.
  // Starts a session; with mount_from, a 201 means mounted (returns nullopt).
  Result<std::optional<UploadSession>> start_upload(const Reference& repo, const Digest& digest = {},
                                                    const std::string& mount_from = "");
  // Sends [s.offset, s.offset+len) with PATCH; advances s.
  Status upload_chunk(const Reference& repo, UploadSession& s, const BlobSource& src, uint64_t len);
  // Asks the registry how much it has (GET on the session URL, Range header).
  Status refresh_upload(const Reference& repo, UploadSession& s);
  // PUT ?digest=, sending the rest of the bytes from s.offset in the body.
  Status finish_upload(const Reference& repo, UploadSession& s, const BlobSource& src);
  // Continues an interrupted session: refresh, then send the rest.
  Status resume_upload(const Reference& repo, UploadSession& s, const BlobSource& src);

  // ---- manifests
  // Accepts Docker v2, Docker manifest list, OCI manifest and OCI index.
  Result<ManifestData> get_manifest(const Reference& ref);
  // HEAD: media type, digest and size without the body. not_found error
  // when absent. for_push asks for the push scope, so the check before a
  // push shares the push's token instead of fetching a pull token as well.
  Result<ManifestInfo> head_manifest(const Reference& ref, bool for_push = false);
  // PUT by tag (ref.tag) or by digest (ref.digest when set). Returns the digest.
  Result<Digest> put_manifest(const Reference& ref, const std::string& media_type, const std::string& bytes);

  // ---- permissions
  // Can we push to this repository? Starts an upload session with push
  // scope (the token fetch fails on a wrong password; the POST fails
  // without push permission) and cancels it. The error names the
  // repository.
  Status check_push(const Reference& repo);

  // ---- tags; follows Link pagination (bounded by max_tag_pages and
  // max_tags; a Link back to a page already read is an error). page_size 0
  // lets the registry choose.
  Result<std::vector<std::string>> list_tags(const Reference& repo, int page_size = 0);

  TransferStats& stats() { return stats_; }
  const ClientOptions& options() const { return opts_; }
  const HostConfig& hosts() const { return hosts_; }
  Authenticator& auth() { return auth_; }

 private:
  std::string repo_url(const Reference& repo) const;  // base/v2/<name>
  Result<Response> send(const Reference& repo, const Request& req, bool push, const BodySink& sink = {},
                        const std::string& mount_from = "");
  Status upload_once(const Reference& repo, const BlobSource& src, const std::string& mount_from);
  Status confirm_stored(const Reference& repo, const BlobSource& src);

  Authenticator& auth_;
  HostConfig hosts_;
  ClientOptions opts_;
  TransferStats stats_;
};

}  // namespace dl::registry
