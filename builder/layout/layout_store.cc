#include "builder/layout/layout_store.h"

#include <unistd.h>

#include <cerrno>

#include "base/verified.h"
#include "builder/image/manifest.h"

namespace dl::layout {

namespace {

constexpr std::size_t kMaxManifest = 4 << 20;

bool is_digest(const std::string& ref) { return ref.rfind("sha256:", 0) == 0; }

}  // namespace

Result<std::shared_ptr<store::BlobSource>> LayoutStore::open_blob(const store::BlobRef& b) {
  // has_blob follows no symlink below the root: a hostile layout's blob
  // cannot name a file outside it.
  if (!layout_.has_blob(b.digest))
    return not_found(name() + ": blob " + b.digest.str() + " is missing (or is not a regular file)");
  std::error_code ec;
  auto size = fs::file_size(layout_.blob_path(b.digest), ec);
  if (ec) return not_found(name() + ": blob " + b.digest.str() + " is missing");
  if (size != b.size)
    return Error(ErrorKind::integrity, name() + ": blob " + b.digest.str() + " has " + std::to_string(size) +
                                           " bytes, descriptor says " + std::to_string(b.size));
  return store::file_blob(layout_.blob_path(b.digest), b.digest, b.size, b.media_type);
}

Status LayoutStore::put_blob(const store::BlobSource& src) {
  Digest d = src.digest();
  // A present blob is re-hashed before it is reused: its name is only a
  // claim. A corrupt one is replaced below (rename over it).
  image::Descriptor have{src.media_type(), d, std::int64_t(src.size()), {}, {}, {}};
  if (layout_.has_blob(d) && layout_.verify_blob(have).ok()) {
    existing_++;
    return {};
  }
  fs::path target = layout_.blob_path(d);
  if (auto file = src.local_file()) {
    // A hard link copies no bytes, so the source is verified first.
    DL_TRY(verify_file(*file, d, src.size()));
    DL_TRY(ensure_dir(target.parent_path()));
    DL_TRY(ensure_dir(layout_.root() / ".dlimage-tmp"));
    fs::path tmp = layout_.root() / ".dlimage-tmp" / ("link-" + d.hex + "-" + std::to_string(::getpid()));
    ::unlink(tmp.c_str());
    if (::link(file->c_str(), tmp.c_str()) == 0) {
      if (::rename(tmp.c_str(), target.c_str()) == 0) {
        // The same inode as the file just hashed (its status time moved
        // with the new link, so it is remembered under the new name).
        remember_verified(target.string(), d.str() + " " + std::to_string(src.size()));
        linked_++;
        return {};
      }
      ::unlink(tmp.c_str());
    }
    // Another filesystem (EXDEV) or no permission: stream it instead.
  }
  DL_ASSIGN_OR_RETURN(auto w, layout_.blob_writer(d));
  auto st = src.write_to([&](const char* p, size_t n) { return w->write(p, n); });
  if (!st.ok()) return st.error().wrap("copying " + d.str() + " into " + name());
  DL_TRY(w->finish());
  copied_++;
  bytes_ += src.size();
  return {};
}

Status LayoutStore::put_blobs(const std::vector<std::shared_ptr<store::BlobSource>>& blobs) {
  return store::run_parallel(blobs.size(), jobs_, [&](size_t i) { return put_blob(*blobs[i]); });
}

Result<store::Manifest> LayoutStore::get_manifest(const std::string& ref) {
  image::Descriptor d;
  if (is_digest(ref)) {
    DL_ASSIGN_OR_RETURN(d.digest, Digest::parse(ref));
    std::error_code ec;
    auto size = fs::file_size(layout_.blob_path(d.digest), ec);
    if (ec) return not_found(name() + ": no manifest " + ref);
    d.size = std::int64_t(size);
  } else {
    DL_ASSIGN_OR_RETURN(d, layout_.resolve(ref));
  }
  DL_ASSIGN_OR_RETURN(std::string bytes, layout_.read_blob(d, kMaxManifest));
  if (d.media_type.empty()) {
    // A blob has no media type of its own: the document says what it is.
    DL_ASSIGN_OR_RETURN(auto doc, image::parse_document(bytes, name() + "@" + ref));
    d.media_type = doc.kind == image::Document::Kind::index ? doc.index.media_type() : doc.manifest.media_type();
  }
  return store::Manifest{d.media_type, d.digest, std::move(bytes)};
}

Result<store::ManifestHead> LayoutStore::head_manifest(const std::string& ref) {
  if (!is_digest(ref)) {
    DL_ASSIGN_OR_RETURN(auto d, layout_.resolve(ref));
    return store::ManifestHead{d.media_type, d.digest, std::uint64_t(d.size)};
  }
  DL_ASSIGN_OR_RETURN(auto m, get_manifest(ref));
  return store::ManifestHead{m.media_type, m.digest, m.bytes.size()};
}

Result<Digest> LayoutStore::put_manifest(const std::string& media_type, const std::string& bytes,
                                         const std::string& tag) {
  DL_ASSIGN_OR_RETURN(image::Descriptor d, layout_.put_blob(bytes, media_type));
  if (!tag.empty()) DL_TRY(layout_.tag(tag, d));
  return d.digest;
}

Status LayoutStore::tag(const std::string& tag, const Digest& digest) {
  DL_ASSIGN_OR_RETURN(auto m, get_manifest(digest.str()));
  return layout_.tag(tag, image::Descriptor{m.media_type, m.digest, std::int64_t(m.bytes.size()), {}, {}, {}});
}

Result<std::vector<std::string>> LayoutStore::list() {
  DL_ASSIGN_OR_RETURN(image::Index idx, layout_.list());
  std::vector<std::string> tags;
  for (const auto& d : idx.manifests)
    if (auto it = d.annotations.find(std::string(image::annotation::kRefName)); it != d.annotations.end())
      tags.push_back(it->second);
  return tags;
}

store::PutCounts LayoutStore::counts() const {
  return {existing_.load(), linked_.load(), copied_.load(), bytes_.load()};
}

}  // namespace dl::layout
