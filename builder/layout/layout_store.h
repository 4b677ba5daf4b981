// An OCI image layout as an ImageStore (registry/store/store.h): the same
// interface a registry repository has, so copies, pushes and base pulls do
// not care which side is local. Blobs whose source is a local file (another
// layout's blob) are hard-linked (blobs are immutable), else streamed once
// and verified against their digest before they are renamed into place.
#pragma once

#include <atomic>
#include <string>

#include "builder/layout/layout.h"
#include "registry/store/store.h"

namespace dl::layout {

class LayoutStore final : public store::ImageStore {
 public:
  explicit LayoutStore(Layout layout, int jobs = 4) : layout_(std::move(layout)), jobs_(jobs) {}

  const Layout& layout() const { return layout_; }
  std::string name() const override { return "oci:" + layout_.root().string(); }

  Result<bool> has_blob(const Digest& d) override { return layout_.has_blob(d); }
  Result<std::shared_ptr<store::BlobSource>> open_blob(const store::BlobRef& b) override;
  Status put_blobs(const std::vector<std::shared_ptr<store::BlobSource>>& blobs) override;

  Result<store::Manifest> get_manifest(const std::string& ref) override;
  Result<store::ManifestHead> head_manifest(const std::string& ref) override;
  Result<Digest> put_manifest(const std::string& media_type, const std::string& bytes, const std::string& tag) override;
  Status tag(const std::string& tag, const Digest& digest) override;
  Result<std::vector<std::string>> list() override;
  store::PutCounts counts() const override;

 private:
  Status put_blob(const store::BlobSource& src);
  Layout layout_;
  int jobs_;
  std::atomic<uint64_t> existing_{0}, linked_{0}, copied_{0}, bytes_{0};
};

}  // namespace dl::layout
