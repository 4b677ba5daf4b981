#include "builder/pipeline/push.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "base/strings.h"
#include "builder/pipeline/blob_ledger.h"
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
  std::string error;                      // set: failed before publishing
  std::string error_phase;
};

class Publisher {
 public:
  Publisher(const layout::Layout& layout, registry::RegistryClient& client, const PushOptions& opts)
      : layout_(layout), client_(client), opts_(opts) {}

  // Every blob of the cell into its repository, then the manifest under
  // every tag.
  Status publish(Job& job) {
    const auto& cr = *job.cr;
    const registry::Reference& primary = job.refs.front();
    DL_ASSIGN_OR_RETURN(auto manifest_bytes, layout_.read_blob(cr.manifest));
    DL_ASSIGN_OR_RETURN(auto manifest, image::parse_manifest(manifest_bytes, job.pc.ref, cr.manifest.media_type));
    std::vector<image::Descriptor> blobs = manifest.layers;
    blobs.push_back(manifest.config);
    // Largest first: long transfers start early, small ones fill the gaps.
    std::stable_sort(blobs.begin(), blobs.end(), [](auto& a, auto& b) { return a.size > b.size; });
    std::mutex mu;
    std::optional<Error> first;
    parallel_for(blobs.size(), client_.options().jobs, [&](size_t i) {
      {
        std::lock_guard<std::mutex> l(mu);
        if (first) return;
      }
      Status st = put_blob(primary, blobs[i]);
      if (!st.ok()) {
        std::lock_guard<std::mutex> l(mu);
        if (!first) first = st.error();
      }
    });
    if (first) return *first;
    for (size_t t = 0; t < job.refs.size(); ++t) {
      const auto& ref = job.refs[t];
      auto put = client_.put_manifest(ref, cr.manifest.media_type, manifest_bytes);
      if (!put.ok()) return put.error();
      if (*put != cr.manifest.digest)
        return Error(ErrorKind::integrity, ref.str() + ": registry stored manifest " + put->str() + ", expected " +
                                               cr.manifest.digest.str());
      manifests_put_++;
    }
    return {};
  }

  std::uint64_t manifests_put() const { return manifests_put_; }

 private:
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

Result<PushReport> push_cells(layout::LayoutStore& from, const std::vector<CellResult>& cells,
                              registry::RegistryClient& client, const PushOptions& opts) {
  const layout::Layout& layout = from.layout();
  PushReport report;
  auto& stats = client.stats();
  std::uint64_t e0 = stats.blobs_existing, m0 = stats.blobs_mounted, u0 = stats.blobs_uploaded, b0 = stats.bytes_uploaded;
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
  parallel_for(tags.size(), opts.check_jobs, [&](size_t k) {
    auto [i, t] = tags[k];
    auto head = client.head_manifest(jobs[i].refs[t], /*for_push=*/true);
    if (head.ok()) current[k] = head->digest == jobs[i].cr->manifest.digest;
    else if (head.error().kind() != ErrorKind::not_found && head.error().status() != 404)
      check_error[k] = head.error().message();
    if (opts.progress) opts.progress->item_done(jobs[i].refs[t].str(), !check_error[k].empty());
  });
  report.requests_check = tags.size();
  std::vector<char> up_to_date(jobs.size(), 1);
  for (size_t k = 0; k < tags.size(); ++k) {
    auto& job = jobs[tags[k].first];
    if (!current[k]) up_to_date[tags[k].first] = 0;
    if (!check_error[k].empty() && job.error.empty()) {
      job.error = check_error[k];
      job.error_phase = "check";
    }
  }
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
  parallel_for(todo.size(), opts.jobs, [&](size_t k) {
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
  });
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

Status preflight_push(const std::vector<matrix::Cell>& cells, registry::RegistryClient& client, int jobs) {
  std::vector<registry::Reference> repos;
  std::set<std::string> seen;
  for (auto& c : cells)
    for (size_t t = 0; t < c.tags.size(); ++t) {
      DL_ASSIGN_OR_RETURN(auto r, target_of(c, client.hosts(), t));
      if (seen.insert(r.registry + "/" + r.repository).second) repos.push_back(r);
    }
  std::vector<std::string> errors(repos.size());
  parallel_for(repos.size(), jobs, [&](size_t i) {
    Status st = client.check_push(repos[i]);
    if (!st.ok()) errors[i] = st.error().message();
  });
  std::vector<std::string> bad;
  for (size_t i = 0; i < repos.size(); ++i)
    if (!errors[i].empty()) bad.push_back(errors[i]);
  if (bad.empty()) return {};
  return Error(ErrorKind::remote, "cannot push to " + std::to_string(bad.size()) + " of " +
                                      std::to_string(repos.size()) + " repositories (nothing was built):\n  " +
                                      join(bad, "\n  "));
}

Result<std::vector<VerifyProblem>> verify_cells(const std::vector<CellResult>& cells, registry::RegistryClient& client) {
  std::vector<registry::Reference> refs;
  std::vector<const CellResult*> owner;
  for (auto& cr : cells)
    for (size_t t = 0; t < cr.cell.tags.size(); ++t) {
      DL_ASSIGN_OR_RETURN(auto ref, target_of(cr.cell, client.hosts(), t));
      refs.push_back(ref);
      owner.push_back(&cr);
    }
  std::vector<std::optional<VerifyProblem>> found(refs.size());
  std::vector<std::optional<Error>> errors(refs.size());
  parallel_for(refs.size(), 16, [&](size_t i) {
    auto head = client.head_manifest(refs[i]);
    const auto& want = owner[i]->manifest.digest;
    if (!head.ok()) {
      if (head.error().kind() != ErrorKind::not_found && head.error().status() != 404) errors[i] = head.error();
      else found[i] = VerifyProblem{refs[i].str(), want.str(), ""};
    } else if (head->digest != want) {
      found[i] = VerifyProblem{refs[i].str(), want.str(), head->digest.str()};
    }
  });
  std::vector<VerifyProblem> problems;
  for (size_t i = 0; i < refs.size(); ++i) {
    if (errors[i]) return *errors[i];
    if (found[i]) problems.push_back(*found[i]);
  }
  return problems;
}

}  // namespace dl::pipeline
