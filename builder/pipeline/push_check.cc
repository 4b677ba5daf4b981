#include "builder/pipeline/push_check.h"

#include "builder/attest/attach.h"
#include "builder/image/manifest.h"
#include "builder/pipeline/push.h"

namespace dl::pipeline {

Result<std::vector<PushTarget>> push_targets(const std::vector<matrix::Cell>& cells,
                                             const registry::HostConfig& hosts) {
  std::vector<PushTarget> out;
  for (const auto& c : cells)
    for (size_t t = 0; t < c.tags.size(); ++t) {
      DL_ASSIGN_OR_RETURN(auto ref, registry::parse_reference(c.ref(t)));
      out.push_back({c.ref(t), hosts.for_push(ref)});
    }
  return out;
}

namespace {

// Every blob the layout's manifest `d` leads to: an index's children, each
// image's referrers (the layout's referrers tag), their configs and layers.
// A guess: whatever does not parse is left out, and push_cells() checks it.
// The layout's tags by name, index.json read once.
std::map<std::string, image::Descriptor> layout_tags(const std::optional<layout::Layout>& l) {
  std::map<std::string, image::Descriptor> out;
  if (!l) return out;
  auto listed = l->list();
  if (!listed.ok()) return out;
  for (auto& d : listed->manifests)
    if (auto name = d.annotations.find(std::string(image::annotation::kRefName)); name != d.annotations.end())
      out.emplace(name->second, d);
  return out;
}

// `tagged`: the layout's tags (layout_tags), read once for every walk.
std::vector<image::Descriptor> blobs_under(const layout::Layout& l,
                                           const std::map<std::string, image::Descriptor>& tagged, const Digest& d,
                                           const std::string& media_type) {
  std::vector<image::Descriptor> out;
  if (!l.has_blob(d)) return out;
  std::error_code ec;
  auto size = fs::file_size(l.blob_path(d), ec);
  if (ec) return out;
  image::Descriptor top{media_type, d, std::int64_t(size), {}, {}, {}};
  auto bytes = l.read_blob(top);
  if (!bytes.ok()) return out;
  auto doc = image::parse_document(*bytes, d.str(), media_type);
  if (!doc.ok()) return out;
  std::vector<image::Descriptor> manifests;
  if (doc->kind == image::Document::Kind::index)
    manifests = doc->index.manifests;
  else
    manifests.push_back(top);
  for (size_t i = 0, n = manifests.size(); i < n; ++i) {
    auto referrers = tagged.find(attest::referrers_tag(manifests[i].digest));
    if (referrers == tagged.end()) continue;
    auto rb = l.read_blob(referrers->second);
    if (!rb.ok()) continue;
    auto ri = image::parse_document(*rb, referrers->second.digest.str(), referrers->second.media_type);
    if (ri.ok() && ri->kind == image::Document::Kind::index)
      manifests.insert(manifests.end(), ri->index.manifests.begin(), ri->index.manifests.end());
  }
  for (const auto& m : manifests) {
    auto mb = l.read_blob(m);
    if (!mb.ok()) continue;
    auto parsed = image::parse_manifest(*mb, m.digest.str(), m.media_type);
    if (!parsed.ok()) continue;
    out.push_back(parsed->config);
    out.insert(out.end(), parsed->layers.begin(), parsed->layers.end());
  }
  return out;
}

}  // namespace

RemoteCheck::RemoteCheck(registry::RegistryClient& client, std::vector<PushTarget> targets,
                         std::optional<layout::Layout> predicted, int jobs)
    : client_(client), targets_(std::move(targets)), predicted_(std::move(predicted)), jobs_(std::max(1, jobs)) {
  worker_ = std::thread([this] { run(); });
}

RemoteCheck::~RemoteCheck() {
  if (worker_.joinable()) worker_.join();
}

void RemoteCheck::run() {
  std::vector<TagState> states(targets_.size());
  std::vector<std::string> types(targets_.size());
  parallel_for(targets_.size(), jobs_, [&](size_t i) {
    auto head = client_.head_manifest(targets_[i].ref, /*for_push=*/true);
    if (head.ok()) {
      states[i].digest = head->digest;
      types[i] = head->media_type;
    } else if (head.error().kind() != ErrorKind::not_found && head.error().status() != 404) {
      states[i].error = head.error().message();
      states[i].status = head.error().status();
    }
  });
  {
    std::lock_guard<std::mutex> l(mu_);
    for (size_t i = 0; i < targets_.size(); ++i) tags_[targets_[i].ref.str()] = states[i];
    tags_done_ = true;
  }
  cv_.notify_all();

  // Step 2: the blobs of what the registry's tags name, as far as the
  // layout knows them; each (registry, digest) once.
  std::map<std::string, std::pair<const registry::Reference*, image::Descriptor>> want;
  std::set<std::string> seen;  // registry + manifest digest: one walk each
  auto tagged = layout_tags(predicted_);
  if (predicted_)
    for (size_t i = 0; i < targets_.size(); ++i) {
      const auto& ref = targets_[i].ref;
      if (!states[i].digest || !seen.insert(blob_key(ref.registry, *states[i].digest)).second) continue;
      for (auto& d : blobs_under(*predicted_, tagged, *states[i].digest, types[i]))
        want.try_emplace(blob_key(ref.registry, d.digest), &ref, d);
    }
  std::vector<std::pair<std::string, std::pair<const registry::Reference*, image::Descriptor>>> list(want.begin(),
                                                                                                     want.end());
  std::vector<std::optional<std::optional<std::uint64_t>>> got(list.size());
  parallel_for(list.size(), jobs_, [&](size_t k) {
    auto size = client_.blob_exists(*list[k].second.first, list[k].second.second.digest, /*for_push=*/true);
    if (size.ok()) got[k] = *size;  // an error: unknown, push_cells() asks again
  });
  {
    std::lock_guard<std::mutex> l(mu_);
    for (size_t k = 0; k < list.size(); ++k)
      if (got[k]) blobs_[list[k].first] = *got[k];
    blob_requests_ = list.size();
    blobs_done_ = true;
  }
  cv_.notify_all();
}

const std::map<std::string, RemoteCheck::TagState>& RemoteCheck::tags() {
  std::unique_lock<std::mutex> l(mu_);
  cv_.wait(l, [&] { return tags_done_; });
  return tags_;
}

const std::map<std::string, std::optional<std::uint64_t>>& RemoteCheck::blobs() {
  std::unique_lock<std::mutex> l(mu_);
  cv_.wait(l, [&] { return blobs_done_; });
  return blobs_;
}

std::set<std::string> RemoteCheck::changing_repositories() {
  const auto& remote = tags();
  std::set<std::string> out;
  auto tagged = layout_tags(predicted_);
  for (const auto& t : targets_) {
    const auto& st = remote.at(t.ref.str());
    auto built = tagged.find(t.layout_ref);
    if (!st.digest || built == tagged.end() || built->second.digest != *st.digest)
      out.insert(t.ref.registry + "/" + t.ref.repository);
  }
  return out;
}

}  // namespace dl::pipeline
