// An OCI image layout directory (image-spec image-layout.md):
//   DIR/oci-layout, DIR/index.json, DIR/blobs/sha256/<hex>
// Crash safety: blobs are written under DIR/.dlimage-tmp/ and renamed into
// place once their digest is known; index.json is replaced atomically and
// last. A build killed at any moment leaves a valid layout plus temp files
// that readers ignore and the next open_or_create() removes (each writer
// holds a flock on its temp file, so only a dead run's files go).
// Concurrent writers (processes) serialise their read-modify-write of
// index.json with flock on DIR/index.json.lock.
//
// A layout is untrusted input (base images come from anywhere): no symlink
// below DIR is followed (blobs, index.json, oci-layout are opened component
// by component with O_NOFOLLOW), every blob read is verified against its
// digest, and a blob that is already present is re-hashed before it is
// reused rather than trusted by name.
//
// Interop (tested): umoci 0.4.7 and skopeo 1.9.3 read only OCI manifests
// from a layout (Docker schema 2 entries are rejected / skipped), so images
// meant for them must be stored with ManifestFormat::oci; Docker schema 2
// is for pushes to registries that Docker 18.09 pulls from.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/fs.h"
#include "base/result.h"
#include "base/sha256.h"
#include "builder/image/descriptor.h"
#include "builder/image/image_config.h"
#include "builder/image/manifest.h"
#include "builder/layer/stream.h"

namespace dl::layout {

class Layout;

// A blob being written. Use it as the LayerWriter's output sink; after
// finish() the blob is in place (or already was) and descriptor() is valid:
//   auto blob = layout.blob_writer().value();
//   auto w = layer::LayerWriter::create(opts, blob.get()).value();
//   w->add_tree(dir); auto info = w->finish();           // info: diff_id, digest
//   image::Descriptor d = blob->descriptor(info->oci_media_type());
class BlobWriter : public layer::ByteSink {
 public:
  ~BlobWriter() override;
  Status write(const void* data, size_t len) override;
  Status finish() override;
  // Valid after finish(); media type is whatever the caller set.
  image::Descriptor descriptor(std::string_view media_type) const;

 private:
  friend class Layout;
  BlobWriter(fs::path blobs_dir, fs::path tmp, int fd, std::optional<Digest> expected)
      : blobs_dir_(std::move(blobs_dir)), tmp_(std::move(tmp)), fd_(fd), expected_(std::move(expected)) {}
  fs::path blobs_dir_, tmp_;  // tmp_ empty once renamed or removed
  int fd_ = -1;
  std::optional<Digest> expected_;
  Sha256 sha_;
  Digest digest_;
  std::uint64_t size_ = 0;
  bool finished_ = false;
};

class Layout {
 public:
  // Opens an existing layout (read-only ones too: nothing is created until
  // a write); refuses directories without a valid oci-layout file.
  static Result<Layout> open(const fs::path& dir);
  // Opens, or creates an empty layout (creating DIR as needed).
  static Result<Layout> open_or_create(const fs::path& dir);

  const fs::path& root() const { return root_; }
  fs::path blob_path(const Digest& d) const;
  bool has_blob(const Digest& d) const;

  // Streams a new blob. With `expected`, a digest mismatch fails finish().
  // finish() renames over a present blob of that name, so a corrupt one is
  // replaced rather than kept.
  Result<std::unique_ptr<BlobWriter>> blob_writer(std::optional<Digest> expected = std::nullopt) const;
  // A present blob with the expected digest is kept only if it verifies.
  Result<image::Descriptor> put_blob(const layer::ReadFn& reader, std::string_view media_type,
                                     std::optional<Digest> expected = std::nullopt) const;
  Result<image::Descriptor> put_blob(std::string_view bytes, std::string_view media_type) const;

  // Re-hashes a present blob: ok only if its bytes match d.digest and d.size.
  Status verify_blob(const image::Descriptor& d) const;

  // Reader over a blob; at end of stream it fails with ErrorKind::integrity
  // unless the bytes match d.digest and d.size.
  Result<layer::ReadFn> open_blob(const image::Descriptor& d) const;
  // Whole small blob (manifest, config), verified; refuses blobs over max_size.
  Result<std::string> read_blob(const image::Descriptor& d, std::size_t max_size = 16 << 20) const;

  // Points `ref_name` at `manifest` (moving it if it pointed elsewhere).
  Status tag(const std::string& ref_name, const image::Descriptor& manifest) const;
  Status untag(const std::string& ref_name) const;
  Result<image::Descriptor> resolve(const std::string& ref_name) const;
  Result<image::Index> list() const;  // index.json as it is now

  // Checks index.json, every manifest it names and their blobs (size; and
  // digest when verify_digests). Errors name the ref and blob at fault.
  Status validate(bool verify_digests = true) const;
  // Removes temp files of dead writers (nobody holds their lock) that are
  // at least `age` old: blob temps, index.json and layer-cache temps.
  // open_or_create() calls it.
  Status remove_stale_temp(std::chrono::seconds age) const;

 private:
  explicit Layout(fs::path root) : root_(std::move(root)) {}
  Result<image::Index> read_index() const;
  Status update_index(const std::function<Status(image::Index&)>& change) const;
  fs::path root_;
};

// Hashes `file` (opened without following a symlink at its name): ok only
// if it holds exactly `size` bytes that hash to `d`. For blobs about to be
// hard-linked into a layout, where no bytes would otherwise be read.
Status verify_file(const fs::path& file, const Digest& d, std::uint64_t size);

// An image in a layout: "[oci:]DIR[:REF]", the one rule for every command
// (copy, inspect, deb --base). REF is a tag, dlimage's own "repo:tag"
// names included, or a digest. DIR:REF splits at the last ':' not followed
// by a '/'; when that DIR holds no layout, at the first ':' that ends at a
// directory holding one ("out:team/app:1.0", "out:sha256:ab.."). Without
// a REF, `default_ref` names the image ("latest" for copy, as skopeo); an
// empty default makes the REF required.
struct LayoutRef {
  fs::path dir;
  std::string ref_name;
};
Result<LayoutRef> parse_layout_ref(const std::string& text, const std::string& default_ref = "");

// The directory a layout argument names: "oci:DIR" -> "DIR"; text without
// the transport prefix is a bare DIR and is returned as is. For options that
// take a whole layout (--output, --base, diff), never a tag within it.
std::string layout_dir(const std::string& text);

}  // namespace dl::layout
