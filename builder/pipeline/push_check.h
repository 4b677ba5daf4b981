// The up-to-date check of a publish, started before the build so that its
// round trips overlap the build's work instead of following it. Builds are
// deterministic and the output layout keeps what the last build made, so
// before anything is built a background thread sends
//   1. one manifest HEAD per tag, all in parallel (with the push scope: the
//      push's own token; a wrong password fails here, in the preflight);
//   2. for every tag whose remote digest the layout holds, one blob HEAD
//      per blob that manifest leads to (configs, layers, attestations and
//      the image's referrers), once per registry however many tags,
//      cells and repositories share the blob: a registry that lost a blob
//      lost it for every repository.
// push_cells() then compares and HEADs only what the guess missed. A no-op
// publish makes one request per tag plus one per unique blob, in parallel.
#pragma once

#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"
#include "builder/layout/layout.h"
#include "builder/matrix/matrix.h"
#include "registry/client/client.h"
#include "registry/reference/reference.h"

namespace dl::pipeline {

// One tag to publish: its name in the layout (the matrix reference) and
// where it goes (after --registry / --namespace rewriting).
struct PushTarget {
  std::string layout_ref;
  registry::Reference ref;
};

// Every tag of `cells`, in matrix order.
Result<std::vector<PushTarget>> push_targets(const std::vector<matrix::Cell>& cells, const registry::HostConfig& hosts);

class RemoteCheck {
 public:
  struct TagState {
    std::optional<Digest> digest;  // nullopt: the registry has no such tag
    std::string error;             // set: the HEAD failed (not a 404)
    int status = 0;                // of that failure (401, 503; 0: no answer)
  };

  // Starts at once. `predicted`: the build's output layout (nullopt: none
  // yet, nothing to guess blobs from).
  RemoteCheck(registry::RegistryClient& client, std::vector<PushTarget> targets,
              std::optional<layout::Layout> predicted, int jobs);
  ~RemoteCheck();
  RemoteCheck(const RemoteCheck&) = delete;
  RemoteCheck& operator=(const RemoteCheck&) = delete;

  // Waits for step 1. Keyed by Reference::str().
  const std::map<std::string, TagState>& tags();
  // Waits for step 2: "registry digest" -> size on the registry (nullopt:
  // missing).
  const std::map<std::string, std::optional<std::uint64_t>>& blobs();
  // Waits for step 1: "registry/repository" of each target whose remote tag
  // is missing or names another digest than the layout's tag of that name
  // (what a rebuild of unchanged inputs makes again), i.e. the repositories
  // this publish will most likely write to.
  std::set<std::string> changing_repositories();
  // The blob HEADs sent (step 2).
  std::uint64_t blob_requests() const { return blob_requests_; }

  static std::string blob_key(const std::string& registry, const Digest& d) { return registry + " " + d.str(); }

 private:
  void run();
  void check_blobs();

  registry::RegistryClient& client_;
  std::vector<PushTarget> targets_;
  std::optional<layout::Layout> predicted_;
  int jobs_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool tags_done_ = false, blobs_done_ = false;
  std::map<std::string, TagState> tags_;
  std::map<std::string, std::optional<std::uint64_t>> blobs_;
  std::uint64_t blob_requests_ = 0;
  std::thread worker_;
};

}  // namespace dl::pipeline
