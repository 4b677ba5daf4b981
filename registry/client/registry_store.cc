#include "registry/client/registry_store.h"

#include <map>
#include <mutex>

namespace dl::registry {

namespace {

using store::BlobSource;

// A blob of a registry repository. write_to() streams it (verified) from
// the registry; open() downloads it once into a spool file and reads that.
class RegistryBlob final : public BlobSource {
 public:
  RegistryBlob(RegistryClient& c, Reference repo, store::BlobRef b, fs::path spool_dir)
      : client_(c), repo_(std::move(repo)), b_(std::move(b)), path_(spool_dir / b_.digest.hex) {}
  Digest digest() const override { return b_.digest; }
  uint64_t size() const override { return b_.size; }
  std::string media_type() const override { return b_.media_type; }
  std::optional<store::Origin> origin() const override { return store::Origin{repo_.registry, repo_.repository}; }
  Status write_to(const BodySink& sink) const override {
    return client_.fetch_blob(repo_, b_.digest, static_cast<int64_t>(b_.size), sink);
  }
  Result<BodyReader> open(uint64_t offset) const override {
    std::lock_guard<std::mutex> l(mu_);
    if (!spooled_) {
      DL_ASSIGN_OR_RETURN(AtomicFile file, AtomicFile::create(path_));
      DL_TRY(write_to([&](const char* p, size_t n) { return file.write(p, n); }));
      DL_TRY(file.commit());
      spooled_ = true;
    }
    return store::file_blob(path_, b_.digest, size(), b_.media_type)->open(offset);
  }

 private:
  RegistryClient& client_;
  Reference repo_;
  store::BlobRef b_;
  fs::path path_;
  mutable std::mutex mu_;
  mutable bool spooled_ = false;
};

}  // namespace

Reference RegistryStore::at(const std::string& ref) const {
  return ref.rfind("sha256:", 0) == 0 ? repo_.with_digest(ref) : repo_.with_tag(ref);
}

Result<bool> RegistryStore::has_blob(const Digest& d) {
  DL_ASSIGN_OR_RETURN(auto size, client_.blob_exists(repo_, d));
  return size.has_value();
}

Result<std::shared_ptr<BlobSource>> RegistryStore::open_blob(const store::BlobRef& b) {
  if (!spool_) spool_ = std::make_unique<TempDir>("dlimage-spool");
  if (spool_->path().empty()) return io_error("cannot create a spool directory for registry blobs under $TMPDIR");
  return std::shared_ptr<BlobSource>(std::make_shared<RegistryBlob>(client_, repo_, b, spool_->path()));
}

Status RegistryStore::put_blobs(const std::vector<std::shared_ptr<BlobSource>>& blobs) {
  // Grouped by the repository each can be mounted from ("" = none).
  std::map<std::string, std::vector<std::shared_ptr<BlobSource>>> by_origin;
  for (const auto& b : blobs) {
    auto o = b->origin();
    bool mountable = o && o->registry == repo_.registry && o->repository != repo_.repository;
    by_origin[mountable ? o->repository : ""].push_back(b);
  }
  for (const auto& [from, group] : by_origin) {
    if (from.empty()) continue;
    auto st = client_.push_blobs(repo_, group, from);
    if (!st.ok()) return st.error().wrap("mounting blobs from " + from + " into " + repo_.name());
  }
  if (auto it = by_origin.find(""); it != by_origin.end()) return client_.push_blobs(repo_, it->second);
  return {};
}

Result<store::Manifest> RegistryStore::get_manifest(const std::string& ref) { return client_.get_manifest(at(ref)); }

Result<store::ManifestHead> RegistryStore::head_manifest(const std::string& ref) {
  return client_.head_manifest(at(ref));
}

Result<Digest> RegistryStore::put_manifest(const std::string& media_type, const std::string& bytes,
                                           const std::string& tag) {
  return client_.put_manifest(tag.empty() ? repo_.with_digest(Digest::of(bytes).str()) : repo_.with_tag(tag),
                              media_type, bytes);
}

Status RegistryStore::tag(const std::string& tag, const Digest& digest) {
  DL_ASSIGN_OR_RETURN(auto m, client_.get_manifest(repo_.with_digest(digest.str())));
  auto put = client_.put_manifest(repo_.with_tag(tag), m.media_type, m.bytes);
  if (!put.ok()) return put.error();
  return {};
}

Result<std::vector<std::string>> RegistryStore::list() { return client_.list_tags(repo_); }

store::PutCounts RegistryStore::counts() const {
  auto& s = client_.stats();
  return {s.blobs_existing.load(), s.blobs_mounted.load(), s.blobs_uploaded.load(), s.bytes_uploaded.load()};
}

}  // namespace dl::registry
