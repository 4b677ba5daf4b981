#include "builder/pipeline/blob_check.h"

#include <atomic>
#include <mutex>
#include <optional>
#include <thread>

#include "builder/image/manifest.h"

namespace dl::pipeline {

Result<std::vector<BlobProblem>> check_blobs(registry::RegistryClient& client, const registry::Reference& repo,
                                             const std::vector<image::Descriptor>& blobs, int jobs) {
  std::vector<BlobProblem> problems;
  std::optional<Error> failed;
  std::mutex mu;
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i; (i = next++) < blobs.size();) {
      {
        std::lock_guard<std::mutex> l(mu);
        if (failed) return;
      }
      const auto& b = blobs[i];
      auto size = client.blob_exists(repo, b.digest, /*for_push=*/false);
      std::lock_guard<std::mutex> l(mu);
      if (!size.ok()) {
        if (!failed) failed = size.error().wrap("checking blob " + b.digest.str() + " in " + repo.name());
      } else if (!*size) {
        problems.push_back({b, "missing"});
      } else if (**size != static_cast<uint64_t>(b.size)) {
        problems.push_back({b, "has " + std::to_string(**size) + " bytes, expected " + std::to_string(b.size)});
      }
    }
  };
  size_t n = std::min<size_t>(static_cast<size_t>(std::max(jobs, 1)), blobs.size());
  std::vector<std::thread> threads;
  for (size_t i = 1; i < n; ++i) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  if (failed) return *failed;
  return problems;
}

Result<std::vector<image::Descriptor>> manifest_blobs(registry::RegistryClient& client, const registry::Reference& repo,
                                                      const Digest& digest) {
  registry::Reference by_digest = repo;
  by_digest.digest = digest.str();
  DL_ASSIGN_OR_RETURN(auto m, client.get_manifest(by_digest));
  DL_ASSIGN_OR_RETURN(auto doc, image::parse_document(m.bytes, by_digest.str(), m.media_type));
  if (doc.kind == image::Document::Kind::manifest) {
    std::vector<image::Descriptor> blobs = {doc.manifest.config};
    blobs.insert(blobs.end(), doc.manifest.layers.begin(), doc.manifest.layers.end());
    return blobs;
  }
  // An index (an image and its attestations): every child's blobs. One
  // level: dlimage writes no nested indexes, and a hostile one gets no
  // recursion.
  std::vector<image::Descriptor> blobs;
  for (auto& child : doc.index.manifests) {
    by_digest.digest = child.digest.str();
    DL_ASSIGN_OR_RETURN(auto cm, client.get_manifest(by_digest));
    DL_ASSIGN_OR_RETURN(auto manifest, image::parse_manifest(cm.bytes, by_digest.str(), cm.media_type));
    blobs.push_back(manifest.config);
    blobs.insert(blobs.end(), manifest.layers.begin(), manifest.layers.end());
  }
  return blobs;
}

}  // namespace dl::pipeline
