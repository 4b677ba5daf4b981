// A registry repository as an ImageStore (registry/store/store.h). The
// reference is final (mirror and --registry rewriting already applied).
// Blobs it hands out stream straight from the registry into a store that
// writes them once (a layout), and are spooled to a temp file on the first
// open() for a push, so a mount or an existing blob costs no download and a
// resumed upload re-reads the local copy.
#pragma once

#include <memory>
#include <string>

#include "base/fs.h"
#include "registry/client/client.h"
#include "registry/store/store.h"

namespace dl::registry {

class RegistryStore final : public store::ImageStore {
 public:
  RegistryStore(RegistryClient& client, Reference repo) : client_(client), repo_(std::move(repo)) {}

  const Reference& reference() const { return repo_; }
  std::string name() const override { return "docker://" + repo_.name(); }

  Result<bool> has_blob(const Digest& d) override;
  Result<std::shared_ptr<store::BlobSource>> open_blob(const store::BlobRef& b) override;
  // Sources whose origin() is another repository of this registry are
  // mounted from it; the rest are pushed in parallel, largest first.
  Status put_blobs(const std::vector<std::shared_ptr<store::BlobSource>>& blobs) override;

  Result<store::Manifest> get_manifest(const std::string& ref) override;
  Result<store::ManifestHead> head_manifest(const std::string& ref) override;
  Result<Digest> put_manifest(const std::string& media_type, const std::string& bytes, const std::string& tag) override;
  Status tag(const std::string& tag, const Digest& digest) override;
  Result<std::vector<std::string>> list() override;
  store::PutCounts counts() const override;

 private:
  Reference at(const std::string& ref) const;  // tag or digest -> full reference
  RegistryClient& client_;
  Reference repo_;
  std::unique_ptr<TempDir> spool_;  // created on the first open_blob
};

}  // namespace dl::registry
