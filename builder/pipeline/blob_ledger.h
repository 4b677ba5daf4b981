// Which repository of which registry holds which blob, during one publish.
// It makes every unique blob go up once per run: the first repository that
// needs a blob uploads it, every other repository on the same registry
// mounts it from one that already has it, and a repository that needs it
// while the upload is still running waits for that upload instead of
// sending the bytes a second time. Thread-safe.
#pragma once

#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>

namespace dl::pipeline {

class BlobLedger {
 public:
  enum class Action { have, upload, mount };
  struct Claim {
    Action action = Action::upload;
    std::string from;  // mount: a repository on the same registry that has the blob
  };

  // What `repository` should do to get `digest`. Blocks while another
  // repository uploads it. After Action::upload or Action::mount the caller
  // must call finished() whatever happens.
  Claim claim(const std::string& registry, const std::string& repository, const std::string& digest);
  // `ok`: the repository now has the blob. A failed upload lets the next
  // waiter try its own.
  void finished(const std::string& registry, const std::string& repository, const std::string& digest,
                const Claim& claim, bool ok);
  // A blob known to be present already (e.g. found by a HEAD).
  void record(const std::string& registry, const std::string& repository, const std::string& digest);

 private:
  struct Entry {
    std::set<std::string> holders;  // repositories that have it
    bool uploading = false;
  };
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Entry> blobs_;  // key: registry + " " + digest
};

}  // namespace dl::pipeline
