#include "builder/pipeline/push.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "base/strings.h"
#include "builder/attest/attach.h"
#include "builder/pipeline/blob_check.h"
#include "builder/pipeline/blob_ledger.h"
#include "builder/pipeline/push_check.h"
#include "registry/client/registry_store.h"
#include "registry/reference/reference.h"

namespace dl::pipeline {

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

Result<registry::Reference> target_of(const matrix::Cell& c, const registry::HostConfig& hosts, size_t tag) {
  DL_ASSIGN_OR_RETURN(auto ref, registry::parse_reference(c.ref(tag)));
  return hosts.for_push(ref);
}

// A blob source that counts the bytes read from it into the progress meter.
class CountedBlob final : public registry::BlobSource {
 public:
  CountedBlob(std::shared_ptr<registry::BlobSource> inner, ProgressMeter* meter)
      : inner_(std::move(inner)), meter_(meter) {}
  Digest digest() const override { return inner_->digest(); }
  uint64_t size() const override { return inner_->size(); }
  std::string media_type() const override { return inner_->media_type(); }
  Result<registry::BodyReader> open(uint64_t offset) const override {
    DL_ASSIGN_OR_RETURN(auto r, inner_->open(offset));
    if (!meter_) return r;
    auto reader = std::make_shared<registry::BodyReader>(std::move(r));
    ProgressMeter* m = meter_;
    return registry::BodyReader([reader, m](char* buf, size_t cap) -> Result<size_t> {
      auto n = (*reader)(buf, cap);
      if (n.ok()) m->add_bytes(*n);
      return n;
    });
  }

 private:
  std::shared_ptr<registry::BlobSource> inner_;
  ProgressMeter* meter_;
};

// One cell on its way to the registry.
struct Job {
  const CellResult* cr = nullptr;
  std::vector<registry::Reference> refs;  // one per tag, after --registry rewriting
  PushedCell pc;
  std::string error;  // set: failed before publishing
  std::string error_phase;
};

class Publisher {
 public:
  Publisher(const layout::Layout& layout, registry::RegistryClient& client, const PushOptions& opts)
      : layout_(layout), client_(client), opts_(opts) {}

  // Every blob of the cell into its repository in one parallel batch (the
  // image's, its attestation manifest's and its referrers'), then the
  // manifests that name them by digest (an index's children at once, then
  // the referrers at once), the referrers tag, and last the top manifest
  // under every tag: a tag is never put before everything it leads to is
  // there, and the round trips after the last byte are a handful, not one
  // chain per manifest.
  Status publish(Job& job) {
    const auto& cr = *job.cr;
    const registry::Reference& primary = job.refs.front();
    DL_ASSIGN_OR_RETURN(auto top_bytes, layout_.read_blob(cr.manifest));
    DL_ASSIGN_OR_RETURN(auto top, image::parse_document(top_bytes, job.pc.ref, cr.manifest.media_type));
    std::vector<Stored> children, referrers;
    std::vector<image::Descriptor> blobs;
    if (top.kind == image::Document::Kind::index) {
      for (auto& child : top.index.manifests) DL_TRY(read_manifest(child, job.pc.ref, children, blobs));
    } else {
      add_blobs(top.manifest, blobs);
    }
    for (auto& r : cr.referrers) DL_TRY(read_manifest(r, job.pc.ref, referrers, blobs));
    DL_TRY(put_blobs(primary, blobs));
    DL_TRY(put_manifests(primary, children));
    if (!cr.referrers.empty()) {
      DL_TRY(put_manifests(primary, referrers));
      // The referrers tag merges with what other tools listed there.
      registry::RegistryStore repo(client_, primary);
      auto merged = attest::merge_referrers_index(repo, cr.image.digest, cr.referrers);
      if (!merged.ok()) return merged.error().wrap("referrers of " + cr.image.digest.str());
    }
    for (size_t t = 0; t < job.refs.size(); ++t) {
      const auto& ref = job.refs[t];
      auto put = client_.put_manifest(ref, cr.manifest.media_type, top_bytes);
      if (!put.ok()) return put.error();
      if (*put != cr.manifest.digest)
        return Error(ErrorKind::integrity,
                     ref.str() + ": registry stored manifest " + put->str() + ", expected " + cr.manifest.digest.str());
      manifests_put_++;
    }
    return {};
  }

  std::uint64_t manifests_put() const { return manifests_put_; }

 private:
  // A manifest of the layout, read and parsed before anything goes up.
  struct Stored {
    image::Descriptor descriptor;
    std::string bytes;
  };

  static void add_blobs(const image::Manifest& m, std::vector<image::Descriptor>& blobs) {
    blobs.insert(blobs.end(), m.layers.begin(), m.layers.end());
    blobs.push_back(m.config);
  }

  Status read_manifest(const image::Descriptor& d, const std::string& what, std::vector<Stored>& out,
                       std::vector<image::Descriptor>& blobs) {
    DL_ASSIGN_OR_RETURN(auto bytes, layout_.read_blob(d));
    DL_ASSIGN_OR_RETURN(auto m, image::parse_manifest(bytes, what + "@" + d.digest.str(), d.media_type));
    add_blobs(m, blobs);
    out.push_back({d, std::move(bytes)});
    return {};
  }

  // Blobs in parallel, each digest once, largest first: long transfers
  // start early, small ones fill the gaps.
  Status put_blobs(const registry::Reference& repo, std::vector<image::Descriptor> blobs) {
    std::stable_sort(blobs.begin(), blobs.end(), [](auto& a, auto& b) { return a.size > b.size; });
    std::set<std::string> seen;
    std::erase_if(blobs, [&](const image::Descriptor& d) { return !seen.insert(d.digest.str()).second; });
    return all_of(blobs.size(), client_.options().jobs, [&](size_t i) { return put_blob(repo, blobs[i]); });
  }

  // Manifests by digest, in parallel; their blobs are in.
  Status put_manifests(const registry::Reference& repo, const std::vector<Stored>& manifests) {
    return all_of(manifests.size(), static_cast<int>(manifests.size()), [&](size_t i) -> Status {
      const auto& d = manifests[i].descriptor;
      auto put = client_.put_manifest(repo.with_digest(d.digest.str()), d.media_type, manifests[i].bytes);
      if (!put.ok()) return put.error();
      if (*put != d.digest)
        return Error(ErrorKind::integrity,
                     repo.name() + ": registry stored manifest " + put->str() + ", expected " + d.digest.str());
      return {};
    });
  }

  // fn(i) for i in [0, n) on up to `jobs` threads; the first error (no new
  // item starts after it).
  static Status all_of(size_t n, int jobs, const std::function<Status(size_t)>& fn) {
    std::mutex mu;
    std::optional<Error> first;
    parallel_for(n, jobs, [&](size_t i) {
      {
        std::lock_guard<std::mutex> l(mu);
        if (first) return;
      }
      Status st = fn(i);
      if (!st.ok()) {
        std::lock_guard<std::mutex> l(mu);
        if (!first) first = st.error();
      }
    });
    if (first) return *first;
    return {};
  }

  Status put_blob(const registry::Reference& repo, const image::Descriptor& d) {
    auto claim = ledger_.claim(repo.registry, repo.repository, d.digest.str());
    if (claim.action == BlobLedger::Action::have) return {};
    auto file = registry::file_blob(layout_.blob_path(d.digest), d.digest, std::uint64_t(d.size), d.media_type);
    CountedBlob src(file, opts_.progress);
    Status st = claim.action == BlobLedger::Action::mount
                    // Another repository of this run has it: no HEAD, straight to the mount.
                    ? client_.push_blob(repo, src, claim.from, /*check_exists=*/false)
                    : client_.push_blob(repo, src);
    ledger_.finished(repo.registry, repo.repository, d.digest.str(), claim, st.ok());
    if (!st.ok()) return st.error().wrap("blob " + d.digest.str());
    return {};
  }

  const layout::Layout& layout_;
  registry::RegistryClient& client_;
  const PushOptions& opts_;
  BlobLedger ledger_;
  std::atomic<std::uint64_t> manifests_put_{0};
};

// Fills job.refs/pc; false when a tag does not parse.
bool plan(Job& job, const registry::HostConfig& hosts) {
  const auto& c = job.cr->cell;
  job.pc.id = c.id;
  job.pc.digest = job.cr->manifest.digest;
  job.pc.ref = c.ref();
  for (size_t t = 0; t < c.tags.size(); ++t) {
    auto r = target_of(c, hosts, t);
    if (!r.ok()) {
      job.error = r.error().message();
      job.error_phase = "check";
      return false;
    }
    job.refs.push_back(*r);
    job.pc.tags.push_back(r->str());
  }
  if (!job.refs.empty()) job.pc.ref = job.refs.front().str();
  return !job.refs.empty();
}

}  // namespace

void parallel_for(size_t n, int jobs, const std::function<void(size_t)>& fn) {
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < n; i = next++) fn(i);
  };
  size_t threads = std::min<size_t>(n, static_cast<size_t>(std::max(1, jobs)));
  std::vector<std::thread> pool;
  for (size_t i = 1; i < threads; ++i) pool.emplace_back(worker);
  if (threads > 0) worker();
  for (auto& t : pool) t.join();
}

// Every blob a cell's tags lead to in the layout: the manifest's, or each
// child's of an index, and its referrers'.
static Result<std::vector<image::Descriptor>> layout_blobs(const layout::Layout& layout, const CellResult& cr,
                                                           const std::string& what) {
  std::vector<image::Descriptor> manifests, blobs;
  DL_ASSIGN_OR_RETURN(auto bytes, layout.read_blob(cr.manifest));
  DL_ASSIGN_OR_RETURN(auto top, image::parse_document(bytes, what, cr.manifest.media_type));
  if (top.kind == image::Document::Kind::index)
    manifests = top.index.manifests;
  else
    manifests.push_back(cr.manifest);
  manifests.insert(manifests.end(), cr.referrers.begin(), cr.referrers.end());
  for (auto& d : manifests) {
    DL_ASSIGN_OR_RETURN(auto mb, layout.read_blob(d));
    DL_ASSIGN_OR_RETURN(auto m, image::parse_manifest(mb, what + "@" + d.digest.str(), d.media_type));
    blobs.insert(blobs.end(), m.layers.begin(), m.layers.end());
    blobs.push_back(m.config);
  }
  return blobs;
}

// The blobs of every cell whose tags are current, HEADed once per
// (registry, digest) however many cells and repositories share them (a
// registry that lost a blob lost it for every repository); what the
// RemoteCheck already asked is not asked again. `up_to_date[i]` drops to 0
// for a cell that lost one.
static Status check_tagged_blobs(const layout::Layout& layout, registry::RegistryClient& client,
                                 const PushOptions& opts, std::vector<Job>& jobs, std::vector<char>& up_to_date,
                                 std::uint64_t& requests) {
  struct Want {
    const registry::Reference* repo;
    image::Descriptor blob;
  };
  std::map<std::string, Want> want;                                                   // key: RemoteCheck::blob_key
  std::vector<std::vector<std::pair<std::string, std::int64_t>>> needs(jobs.size());  // (key, size)
  for (size_t i = 0; i < jobs.size(); ++i) {
    Job& job = jobs[i];
    if (!up_to_date[i] || !job.error.empty() || job.refs.empty()) continue;
    auto found = layout_blobs(layout, *job.cr, job.pc.ref);
    if (!found.ok()) {
      up_to_date[i] = 0;
      continue;
    }
    for (auto& d : *found) {
      std::string key = RemoteCheck::blob_key(job.refs.front().registry, d.digest);
      want.try_emplace(key, Want{&job.refs.front(), d});
      needs[i].emplace_back(key, d.size);
    }
  }
  std::map<std::string, std::optional<std::uint64_t>> have;
  if (opts.remote) have = opts.remote->blobs();
  std::vector<std::pair<std::string, Want>> ask;
  for (auto& [key, w] : want)
    if (!have.count(key)) ask.emplace_back(key, w);
  // All at once: one round trip per `check_jobs` blobs, not one per
  // repository or per cell.
  std::vector<Result<std::optional<std::uint64_t>>> got(ask.size(), std::optional<std::uint64_t>{});
  parallel_for(ask.size(), opts.check_jobs,
               [&](size_t k) { got[k] = client.blob_exists(*ask[k].second.repo, ask[k].second.blob.digest, true); });
  requests += ask.size();
  for (size_t k = 0; k < ask.size(); ++k) {
    if (!got[k].ok())
      return got[k].error().wrap("checking blob " + ask[k].second.blob.digest.str() + " in " +
                                 ask[k].second.repo->name());
    have[ask[k].first] = *got[k];
  }
  for (size_t i = 0; i < jobs.size(); ++i)
    for (auto& [key, size] : needs[i]) {
      auto it = have.find(key);
      if (it == have.end() || !it->second || *it->second != std::uint64_t(size)) up_to_date[i] = 0;
    }
  return {};
}

Result<PushReport> push_cells(layout::LayoutStore& from, const std::vector<CellResult>& cells,
                              registry::RegistryClient& client, const PushOptions& opts) {
  const layout::Layout& layout = from.layout();
  PushReport report;
  auto& stats = client.stats();
  std::uint64_t e0 = stats.blobs_existing, m0 = stats.blobs_mounted, u0 = stats.blobs_uploaded,
                b0 = stats.bytes_uploaded;
  std::vector<Job> jobs(cells.size());
  for (size_t i = 0; i < cells.size(); ++i) {
    jobs[i].cr = &cells[i];
    plan(jobs[i], client.hosts());
  }

  // 1. The check: every tag at once.
  auto t0 = Clock::now();
  std::vector<std::pair<size_t, size_t>> tags;  // (job, tag)
  for (size_t i = 0; i < jobs.size(); ++i)
    for (size_t t = 0; t < jobs[i].refs.size(); ++t) tags.emplace_back(i, t);
  std::vector<char> current(tags.size(), 0);
  std::vector<std::string> check_error(tags.size());
  if (opts.progress) opts.progress->begin_phase("check", tags.size());
  const std::map<std::string, RemoteCheck::TagState>* remote = opts.remote ? &opts.remote->tags() : nullptr;
  std::atomic<std::uint64_t> heads{0};
  parallel_for(tags.size(), opts.check_jobs, [&](size_t k) {
    auto [i, t] = tags[k];
    const auto& ref = jobs[i].refs[t];
    auto known = remote ? remote->find(ref.str()) : decltype(remote->end()){};
    if (remote && known != remote->end() && known->second.error.empty()) {
      current[k] = known->second.digest == jobs[i].cr->manifest.digest;
    } else {
      ++heads;
      auto head = client.head_manifest(ref, /*for_push=*/true);
      if (head.ok())
        current[k] = head->digest == jobs[i].cr->manifest.digest;
      else if (head.error().kind() != ErrorKind::not_found && head.error().status() != 404)
        check_error[k] = head.error().message();
    }
    if (opts.progress) opts.progress->item_done(ref.str(), !check_error[k].empty());
  });
  std::vector<char> up_to_date(jobs.size(), 1);
  for (size_t k = 0; k < tags.size(); ++k) {
    auto& job = jobs[tags[k].first];
    if (!current[k]) up_to_date[tags[k].first] = 0;
    if (!check_error[k].empty() && job.error.empty()) {
      job.error = check_error[k];
      job.error_phase = "check";
    }
  }
  // Tags right is not enough: a registry that lost a layer (or answered 201
  // and stored nothing) still serves the manifest. Every blob gets a HEAD
  // with its size, once per repository however many cells share it (the
  // base layers are in every cell); a cell missing one is published again.
  std::uint64_t blob_heads = 0;
  DL_TRY(check_tagged_blobs(layout, client, opts, jobs, up_to_date, blob_heads));
  report.requests_check = heads + blob_heads + (remote ? remote->size() + opts.remote->blob_requests() : 0);
  report.check_seconds = since(t0);

  // 2. Publish the cells that are not current, `jobs` at a time.
  std::vector<size_t> todo;
  std::uint64_t bytes_total = 0;
  std::set<std::string> counted;
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (!jobs[i].error.empty()) continue;
    if (up_to_date[i]) {
      jobs[i].pc.skipped = true;
      ++report.cells_skipped;
      continue;
    }
    todo.push_back(i);
    for (auto& l : jobs[i].cr->layers)
      if (counted.insert(jobs[i].refs.front().registry + l.descriptor.digest.str()).second)
        bytes_total += std::uint64_t(l.descriptor.size);
  }
  auto t1 = Clock::now();
  if (opts.progress) opts.progress->begin_phase("push", todo.size(), bytes_total);
  Publisher pub(layout, client, opts);
  std::atomic<bool> stop{false};
  // Auto indexes go after every image: they name images of other cells,
  // and two jobs putting one manifest at once made Distribution 2.8 answer
  // MANIFEST_BLOB_UNKNOWN for a tag put in between.
  std::stable_partition(todo.begin(), todo.end(), [&](size_t i) { return !jobs[i].cr->auto_index; });
  size_t images = size_t(std::count_if(todo.begin(), todo.end(), [&](size_t i) { return !jobs[i].cr->auto_index; }));
  auto publish_one = [&](size_t k) {
    Job& job = jobs[todo[k]];
    if (stop) {
      job.error = "not pushed: an earlier cell failed (--keep-going pushes the others)";
      job.error_phase = "push";
      return;
    }
    Status st = pub.publish(job);
    if (!st.ok()) {
      job.error = st.error().message();
      job.error_phase = "push";
      if (!opts.keep_going) stop = true;
    }
    if (opts.progress) opts.progress->item_done(job.pc.ref, !st.ok());
  };
  parallel_for(images, opts.jobs, publish_one);
  parallel_for(todo.size() - images, opts.jobs, [&](size_t k) { publish_one(images + k); });
  report.publish_seconds = since(t1);

  for (auto& job : jobs) {
    if (!job.error.empty()) {
      job.pc.failed = true;
      report.failures.push_back({job.pc.ref, job.error_phase, job.error});
    }
    report.cells.push_back(job.pc);
  }
  report.manifests_put = pub.manifests_put();
  report.blobs_existing = stats.blobs_existing - e0;
  report.blobs_mounted = stats.blobs_mounted - m0;
  report.blobs_uploaded = stats.blobs_uploaded - u0;
  report.bytes_uploaded = stats.bytes_uploaded - b0;
  return report;
}

Status preflight_push(const std::vector<matrix::Cell>& cells, registry::RegistryClient& client, int jobs,
                      RemoteCheck* remote) {
  std::vector<registry::Reference> repos;
  std::set<std::string> seen;
  for (auto& c : cells)
    for (size_t t = 0; t < c.tags.size(); ++t) {
      DL_ASSIGN_OR_RETURN(auto r, target_of(c, client.hosts(), t));
      if (seen.insert(r.registry + "/" + r.repository).second) repos.push_back(r);
    }
  std::vector<std::string> bad;
  std::set<std::string> failed, probe;
  if (remote) {
    // A tag HEAD that failed fails its repository: refused credentials
    // (401, 403) get the probe, whose error says so; anything else (a dead
    // host, a 503 after the retries) is named as it is.
    for (auto& [ref, st] : remote->tags()) {
      if (st.error.empty()) continue;
      auto r = registry::parse_reference(ref);
      if (!r.ok()) continue;
      std::string key = r->registry + "/" + r->repository;
      if (st.status == 401 || st.status == 403)
        probe.insert(key);
      else if (failed.insert(key).second)
        bad.push_back("cannot push to " + r->name() + ": " + st.error);
    }
    auto changing = remote->changing_repositories();
    probe.insert(changing.begin(), changing.end());
  }
  std::vector<registry::Reference> to_probe;
  for (auto& r : repos) {
    std::string key = r.registry + "/" + r.repository;
    if (!failed.count(key) && (!remote || probe.count(key))) to_probe.push_back(r);
  }
  std::vector<std::string> errors(to_probe.size());
  parallel_for(to_probe.size(), jobs, [&](size_t i) {
    Status st = client.check_push(to_probe[i]);
    if (!st.ok()) errors[i] = st.error().message();
  });
  for (size_t i = 0; i < to_probe.size(); ++i)
    if (!errors[i].empty()) bad.push_back(errors[i]);
  if (bad.empty()) return {};
  return Error(ErrorKind::remote, "cannot push to " + std::to_string(bad.size()) + " of " +
                                      std::to_string(repos.size()) + " repositories (nothing was built):\n  " +
                                      join(bad, "\n  "));
}

Result<std::vector<VerifyProblem>> verify_cells(const std::vector<CellResult>& cells,
                                                registry::RegistryClient& client) {
  std::vector<ExpectedTag> want;
  for (auto& cr : cells)
    for (size_t t = 0; t < cr.cell.tags.size(); ++t) {
      DL_ASSIGN_OR_RETURN(auto ref, target_of(cr.cell, client.hosts(), t));
      want.push_back({ref, cr.manifest.digest});
    }
  return verify_tags(want, client);
}

Result<std::vector<VerifyProblem>> verify_tags(const std::vector<ExpectedTag>& want, registry::RegistryClient& client) {
  const size_t n = want.size();
  std::vector<std::optional<VerifyProblem>> found(n);
  std::vector<std::optional<Error>> errors(n);
  parallel_for(n, 16, [&](size_t i) {
    auto head = client.head_manifest(want[i].ref);
    const auto& digest = want[i].digest;
    if (!head.ok()) {
      if (head.error().kind() != ErrorKind::not_found && head.error().status() != 404)
        errors[i] = head.error();
      else
        found[i] = VerifyProblem{want[i].ref.str(), digest.str(), "", ""};
    } else if (head->digest != digest) {
      found[i] = VerifyProblem{want[i].ref.str(), digest.str(), head->digest.str(), ""};
    }
  });
  // The tags that point at the right manifest: its blobs, once per
  // repository and digest, each HEADed with the size it must have.
  std::vector<size_t> blob_checks;
  std::set<std::string> seen;
  for (size_t i = 0; i < n; ++i)
    if (!errors[i] && !found[i] && seen.insert(want[i].ref.name() + "@" + want[i].digest.str()).second)
      blob_checks.push_back(i);
  std::vector<std::vector<BlobProblem>> lost(n);
  parallel_for(blob_checks.size(), 4, [&](size_t k) {
    size_t i = blob_checks[k];
    auto blobs = manifest_blobs(client, want[i].ref, want[i].digest);
    auto bad =
        blobs.ok() ? check_blobs(client, want[i].ref, *blobs, 4) : Result<std::vector<BlobProblem>>(blobs.error());
    if (!bad.ok())
      errors[i] = bad.error();
    else
      lost[i] = std::move(*bad);
  });
  std::vector<VerifyProblem> problems;
  for (size_t i = 0; i < n; ++i) {
    if (errors[i]) return *errors[i];
    if (found[i]) problems.push_back(*found[i]);
    for (auto& b : lost[i])
      problems.push_back(
          {want[i].ref.str(), want[i].digest.str(), want[i].digest.str(), b.blob.digest.str() + " " + b.what});
  }
  return problems;
}

}  // namespace dl::pipeline
