#include "builder/copy/copy.h"

#include <set>

#include "builder/image/manifest.h"
#include "builder/layout/layout_store.h"
#include "registry/client/registry_store.h"

namespace dl::copy {

namespace {

bool is_digest(const std::string& ref) { return ref.rfind("sha256:", 0) == 0; }

class Copier {
 public:
  Copier(store::ImageStore& src, store::ImageStore& dst, CopyReport& report) : src_(src), dst_(dst), report_(report) {}

  Status copy_document(const std::string& bytes, const std::string& media_type, const std::string& tag) {
    DL_ASSIGN_OR_RETURN(image::Document doc, image::parse_document(bytes, src_.name(), media_type));
    if (doc.kind == image::Document::Kind::index) {
      for (const auto& child : doc.index.manifests) {
        DL_ASSIGN_OR_RETURN(auto m, src_.get_manifest(child.digest.str()));
        if (m.digest != child.digest)
          return Error(ErrorKind::integrity,
                       src_.name() + ": manifest " + child.digest.str() + " hashes to " + m.digest.str());
        DL_TRY(copy_document(m.bytes, child.media_type, ""));
      }
    } else {
      std::vector<image::Descriptor> blobs{doc.manifest.config};
      blobs.insert(blobs.end(), doc.manifest.layers.begin(), doc.manifest.layers.end());
      DL_TRY(copy_blobs(blobs));
    }
    DL_TRY(dst_.put_manifest(media_type, bytes, tag));
    report_.manifests++;
    return {};
  }

 private:
  Status copy_blobs(const std::vector<image::Descriptor>& blobs) {
    std::vector<std::shared_ptr<store::BlobSource>> todo;
    for (const auto& b : blobs) {
      if (!b.urls.empty()) continue;  // foreign layers stay where they are
      if (!seen_.insert(b.digest.str()).second) continue;
      DL_ASSIGN_OR_RETURN(auto s, src_.open_blob({b.media_type, b.digest, std::uint64_t(b.size)}));
      todo.push_back(std::move(s));
    }
    report_.blobs += todo.size();
    return dst_.put_blobs(todo);
  }

  store::ImageStore& src_;
  store::ImageStore& dst_;
  CopyReport& report_;
  std::set<std::string> seen_;
};

}  // namespace

Result<Endpoint> parse_endpoint(const std::string& text) {
  Endpoint ep;
  ep.text = text;
  if (text.rfind("oci:", 0) == 0) {
    ep.kind = Endpoint::Kind::layout;
    auto lr = layout::parse_layout_ref(text, "latest");
    if (!lr.ok()) return invalid("'" + text + "': expected oci:DIR[:TAG]");
    ep.layout = *lr;
    return ep;
  }
  if (text.rfind("docker://", 0) == 0) {
    auto r = registry::parse_reference(text.substr(9));
    if (!r.ok()) return r.error();
    ep.ref = *r;
    return ep;
  }
  return invalid("'" + text + "': expected oci:DIR[:TAG] or docker://REFERENCE");
}

Result<std::unique_ptr<store::ImageStore>> open_store(registry::Session& s, const Endpoint& ep, bool destination) {
  if (ep.kind == Endpoint::Kind::layout) {
    auto l = destination ? layout::Layout::open_or_create(ep.layout.dir) : layout::Layout::open(ep.layout.dir);
    if (!l.ok()) return l.error();
    return std::unique_ptr<store::ImageStore>(
        std::make_unique<layout::LayoutStore>(std::move(*l), s.client().options().jobs));
  }
  auto ref = destination ? s.hosts().for_push(ep.ref) : s.hosts().for_pull(ep.ref);
  return std::unique_ptr<store::ImageStore>(std::make_unique<registry::RegistryStore>(s.client(), ref));
}

std::string ref_in_store(const Endpoint& ep) {
  if (ep.kind == Endpoint::Kind::layout) return ep.layout.ref_name;
  return ep.ref.identifier();
}

Result<CopyReport> copy_image(store::ImageStore& src, const std::string& ref, store::ImageStore& dst,
                              const std::string& tag) {
  std::string where = src.name() + (is_digest(ref) ? "@" : ":") + ref;
  auto root = src.get_manifest(ref);
  if (!root.ok()) return root.error().wrap("reading " + where);
  CopyReport report;
  store::PutCounts before = dst.counts();
  Copier copier(src, dst, report);
  Status st = copier.copy_document(root->bytes, root->media_type, tag);
  if (!st.ok()) return st.error().wrap("copying " + where + " to " + dst.name());
  store::PutCounts moved = dst.counts() - before;
  report.digest = Digest::of(root->bytes);
  report.media_type = root->media_type;
  report.blobs_copied = moved.copied;
  report.blobs_existing = moved.existing;
  report.blobs_mounted = moved.mounted;
  report.bytes = moved.bytes;
  return report;
}

Result<CopyReport> copy_image(registry::Session& session, const Endpoint& src, const Endpoint& dst) {
  DL_ASSIGN_OR_RETURN(auto from, open_store(session, src, false));
  DL_ASSIGN_OR_RETURN(auto to, open_store(session, dst, true));
  std::string tag = dst.kind == Endpoint::Kind::registry && !dst.ref.digest.empty() ? "" : ref_in_store(dst);
  return copy_image(*from, ref_in_store(src), *to, tag);
}

}  // namespace dl::copy
