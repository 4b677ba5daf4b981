#include "builder/copy/copy.h"

#include <atomic>
#include <cstdio>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "builder/image/manifest.h"

namespace dl::copy {

namespace {

using registry::BlobSource;
using registry::Reference;

// Runs fn(0..n-1) on up to `jobs` threads; the first error stops new work.
Status run_parallel(size_t n, int jobs, const std::function<Status(size_t)>& fn) {
  std::atomic<size_t> next{0};
  std::mutex mu;
  std::optional<Error> first;
  auto worker = [&] {
    for (size_t i; (i = next++) < n;) {
      {
        std::lock_guard<std::mutex> l(mu);
        if (first) return;
      }
      Status st = fn(i);
      if (!st.ok()) {
        std::lock_guard<std::mutex> l(mu);
        if (!first) first = st.error();
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 1; t < jobs && static_cast<size_t>(t) < n; ++t) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  if (first) return *first;
  return {};
}

// A registry blob pushed to another registry: downloaded (streamed, verified)
// into a spool file on first open(), so that a mount or an existing blob
// costs no download at all, and retries re-read the local copy.
class SpoolingBlob final : public BlobSource {
 public:
  SpoolingBlob(registry::RegistryClient& c, Reference src, image::Descriptor d, fs::path dir)
      : client_(c), src_(std::move(src)), d_(std::move(d)), path_(dir / d_.digest.hex) {}
  Digest digest() const override { return d_.digest; }
  uint64_t size() const override { return static_cast<uint64_t>(d_.size); }
  std::string media_type() const override { return d_.media_type; }
  Result<registry::BodyReader> open(uint64_t offset) const override {
    std::lock_guard<std::mutex> l(mu_);
    if (!spooled_) {
      auto file = AtomicFile::create(path_);
      if (!file.ok()) return file.error();
      DL_TRY(client_.fetch_blob(src_, d_.digest, d_.size, [&](const char* p, size_t n) { return file->write(p, n); }));
      DL_TRY(file->commit());
      spooled_ = true;
    }
    return registry::file_blob(path_, d_.digest, size(), d_.media_type)->open(offset);
  }

 private:
  registry::RegistryClient& client_;
  Reference src_;
  image::Descriptor d_;
  fs::path path_;
  mutable std::mutex mu_;
  mutable bool spooled_ = false;
};

struct Side {
  const Endpoint& ep;
  Reference ref;                  // rewritten for pull (source) or push (destination)
  std::optional<layout::Layout> layout;
};

Result<std::pair<std::string, std::string>> read_root(Session& s, Side& side) {
  if (side.layout) {
    DL_ASSIGN_OR_RETURN(image::Descriptor d, side.layout->resolve(side.ep.layout.ref_name));
    DL_ASSIGN_OR_RETURN(std::string bytes, side.layout->read_blob(d, 4 << 20));
    return std::make_pair(std::move(bytes), d.media_type);
  }
  DL_ASSIGN_OR_RETURN(auto m, s.client().get_manifest(side.ref));
  return std::make_pair(std::move(m.bytes), m.media_type);
}

Result<std::string> read_child(Session& s, Side& side, const image::Descriptor& d) {
  if (side.layout) return side.layout->read_blob(d, 4 << 20);
  DL_ASSIGN_OR_RETURN(auto m, s.client().get_manifest(side.ref.with_digest(d.digest.str())));
  return std::move(m.bytes);
}

// Writes a manifest or index; `tag` empty writes it by digest only.
Status write_manifest(Session& s, Side& side, const std::string& bytes, const std::string& media_type,
                      const std::string& tag) {
  if (side.layout) {
    DL_ASSIGN_OR_RETURN(image::Descriptor d, side.layout->put_blob(bytes, media_type));
    if (!tag.empty()) DL_TRY(side.layout->tag(tag, d));
    return {};
  }
  Reference r = tag.empty() || !side.ref.digest.empty() ? side.ref.with_digest(Digest::of(bytes).str())
                                                        : side.ref.with_tag(tag);
  auto put = s.client().put_manifest(r, media_type, bytes);
  if (!put.ok()) return put.error();
  return {};
}

class Copier {
 public:
  Copier(Session& s, Side& src, Side& dst, CopyReport& report) : s_(s), src_(src), dst_(dst), report_(report) {}

  Status copy_document(const std::string& bytes, const std::string& media_type, const std::string& tag) {
    DL_ASSIGN_OR_RETURN(image::Document doc, image::parse_document(bytes, src_.ep.text, media_type));
    if (doc.kind == image::Document::Kind::index) {
      for (const auto& child : doc.index.manifests) {
        DL_ASSIGN_OR_RETURN(std::string child_bytes, read_child(s_, src_, child));
        DL_TRY(copy_document(child_bytes, child.media_type, ""));
      }
    } else {
      std::vector<image::Descriptor> blobs{doc.manifest.config};
      blobs.insert(blobs.end(), doc.manifest.layers.begin(), doc.manifest.layers.end());
      DL_TRY(copy_blobs(blobs));
    }
    DL_TRY(write_manifest(s_, dst_, bytes, media_type, tag));
    report_.manifests++;
    return {};
  }

 private:
  Status copy_blobs(std::vector<image::Descriptor> blobs) {
    std::vector<image::Descriptor> todo;
    for (auto& b : blobs) {
      if (!b.urls.empty()) continue;  // foreign layers stay where they are
      if (seen_.insert(b.digest.str()).second) todo.push_back(b);
    }
    report_.blobs += todo.size();
    int jobs = s_.client().options().jobs;
    if (!src_.layout && !dst_.layout) {
      std::vector<std::shared_ptr<BlobSource>> sources;
      for (const auto& b : todo) sources.push_back(std::make_shared<SpoolingBlob>(s_.client(), src_.ref, b, spool_.path()));
      // Same registry: the destination can mount from the source repository.
      std::string from = src_.ref.registry == dst_.ref.registry ? src_.ref.repository : "";
      return s_.client().push_blobs(dst_.ref, sources, from);
    }
    if (src_.layout && !dst_.layout) {
      std::vector<std::shared_ptr<BlobSource>> sources;
      for (const auto& b : todo)
        sources.push_back(registry::file_blob(src_.layout->blob_path(b.digest), b.digest,
                                              static_cast<uint64_t>(b.size), b.media_type));
      return s_.client().push_blobs(dst_.ref, sources);
    }
    return run_parallel(todo.size(), jobs, [&](size_t i) -> Status {
      const auto& b = todo[i];
      if (dst_.layout->has_blob(b.digest)) {
        layout_existing_++;
        return {};
      }
      DL_ASSIGN_OR_RETURN(auto w, dst_.layout->blob_writer(b.digest));
      if (src_.layout) {
        DL_ASSIGN_OR_RETURN(layer::ReadFn r, src_.layout->open_blob(b));
        std::string buf(1 << 20, '\0');
        while (true) {
          DL_ASSIGN_OR_RETURN(size_t n, r(buf.data(), buf.size()));
          if (n == 0) break;
          DL_TRY(w->write(buf.data(), n));
        }
      } else {
        DL_TRY(s_.client().fetch_blob(src_.ref, b.digest, b.size,
                                      [&](const char* p, size_t n) { return w->write(p, n); }));
      }
      DL_TRY(w->finish());
      layout_copied_++;
      layout_bytes_ += static_cast<uint64_t>(b.size);
      return {};
    });
  }

 public:
  std::atomic<uint64_t> layout_existing_{0}, layout_copied_{0}, layout_bytes_{0};

 private:
  Session& s_;
  Side& src_;
  Side& dst_;
  CopyReport& report_;
  std::set<std::string> seen_;
  TempDir spool_{"dlimage-copy"};
};

Result<Side> open_side(Session& s, const Endpoint& ep, bool source) {
  Side side{ep, {}, std::nullopt};
  if (ep.kind == Endpoint::Kind::layout) {
    auto l = source ? layout::Layout::open(ep.layout.dir) : layout::Layout::open_or_create(ep.layout.dir);
    if (!l.ok()) return l.error();
    side.layout.emplace(std::move(*l));
  } else {
    side.ref = source ? s.hosts().for_pull(ep.ref) : s.hosts().for_push(ep.ref);
  }
  return side;
}

}  // namespace

Result<Endpoint> parse_endpoint(const std::string& text) {
  Endpoint ep;
  ep.text = text;
  if (text.rfind("oci:", 0) == 0) {
    ep.kind = Endpoint::Kind::layout;
    std::string rest = text.substr(4);
    auto colon = rest.rfind(':');
    if (colon == std::string::npos || rest.find('/', colon) != std::string::npos) {
      ep.layout = {rest, "latest"};
    } else {
      auto lr = layout::parse_layout_ref(rest);
      if (!lr.ok()) return lr.error().wrap("'" + text + "'");
      ep.layout = *lr;
    }
    if (ep.layout.dir.empty()) return invalid("'" + text + "': expected oci:DIR[:TAG]");
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

Result<CopyReport> copy_image(Session& session, const Endpoint& src, const Endpoint& dst) {
  CopyReport report;
  DL_ASSIGN_OR_RETURN(Side s, open_side(session, src, true));
  DL_ASSIGN_OR_RETURN(Side d, open_side(session, dst, false));
  auto root = read_root(session, s);
  if (!root.ok()) return root.error().wrap("reading " + src.text);
  auto& stats = session.client().stats();
  uint64_t before_uploaded = stats.blobs_uploaded, before_existing = stats.blobs_existing,
           before_mounted = stats.blobs_mounted, before_bytes = stats.bytes_uploaded;
  Copier copier(session, s, d, report);
  std::string tag = dst.kind == Endpoint::Kind::layout ? dst.layout.ref_name : d.ref.tag;
  Status st = copier.copy_document(root->first, root->second, tag);
  if (!st.ok()) return st.error().wrap("copying " + src.text + " to " + dst.text);
  report.digest = Digest::of(root->first);
  report.media_type = root->second;
  report.blobs_copied = stats.blobs_uploaded - before_uploaded + copier.layout_copied_;
  report.blobs_existing = stats.blobs_existing - before_existing + copier.layout_existing_;
  report.blobs_mounted = stats.blobs_mounted - before_mounted;
  report.bytes = stats.bytes_uploaded - before_bytes + copier.layout_bytes_;
  return report;
}

}  // namespace dl::copy
