#include "builder/pipeline/blob_ledger.h"

namespace dl::pipeline {

BlobLedger::Claim BlobLedger::claim(const std::string& registry, const std::string& repository,
                                    const std::string& digest) {
  std::unique_lock<std::mutex> l(mu_);
  Entry& e = blobs_[registry + " " + digest];
  cv_.wait(l, [&] { return !e.uploading || e.holders.count(repository); });
  if (e.holders.count(repository)) return {Action::have, ""};
  if (!e.holders.empty()) return {Action::mount, *e.holders.begin()};
  e.uploading = true;
  return {Action::upload, ""};
}

void BlobLedger::finished(const std::string& registry, const std::string& repository, const std::string& digest,
                          const Claim& claim, bool ok) {
  {
    std::lock_guard<std::mutex> l(mu_);
    Entry& e = blobs_[registry + " " + digest];
    if (ok) e.holders.insert(repository);
    if (claim.action == Action::upload) e.uploading = false;
  }
  cv_.notify_all();
}

void BlobLedger::record(const std::string& registry, const std::string& repository, const std::string& digest) {
  {
    std::lock_guard<std::mutex> l(mu_);
    blobs_[registry + " " + digest].holders.insert(repository);
  }
  cv_.notify_all();
}

}  // namespace dl::pipeline
