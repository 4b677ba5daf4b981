#include "builder/pipeline/release.h"

#include <algorithm>
#include <chrono>

#include "base/fs.h"
#include "base/strings.h"
#include "builder/layout/layout.h"
#include "builder/layout/layout_store.h"
#include "builder/pipeline/push_check.h"
#include "builder/pipeline/report_html.h"

namespace dl::pipeline {

namespace {

std::string output_dir(const ReleaseOptions& opts) { return layout::layout_dir(opts.build.output_layout); }

// HEADs are tiny: over HTTP/1.1 each one in flight is a connection, so
// this many answer the shipped matrix's tags in one round trip and its
// blobs in a few.
int check_jobs(const ReleaseOptions& opts) { return std::clamp(8 * opts.build.registry.jobs, 64, 256); }

Result<PushReport> push(const ReleaseOptions& opts, const BuildReport& built, registry::Session& s,
                        RemoteCheck* remote) {
  DL_ASSIGN_OR_RETURN(auto out, layout::Layout::open(output_dir(opts)));
  layout::LayoutStore from(std::move(out), opts.build.registry.jobs);
  PushOptions po;
  po.jobs = opts.build.registry.jobs;
  po.check_jobs = check_jobs(opts);
  po.keep_going = opts.build.keep_going;
  po.progress = opts.push_progress;
  po.remote = remote;
  return push_cells(from, built.cells, s.client(), po);
}

std::string strip_oci(const std::string& s) { return starts_with(s, "oci:") ? s.substr(4) : s; }

Status run_phases(const ReleaseOptions& opts, const Progress& progress, ReleaseReport& r) {
  registry::LazySession session(opts.build.registry);
  std::optional<sign::PrivateKey> sign_key;
  std::optional<sign::PublicKey> verify_key;
  if (!opts.sign_key.empty()) {
    if (!opts.push) return invalid("--sign-key signs what is pushed; add --push");
    DL_ASSIGN_OR_RETURN(sign_key, sign::PrivateKey::load(opts.sign_key, sign::passphrase_from_env()));
  }
  if (!opts.verify_key.empty()) {
    DL_ASSIGN_OR_RETURN(verify_key, sign::PublicKey::load(opts.verify_key));
  }
  std::unique_ptr<RemoteCheck> remote;
  if (opts.push) {
    // The up-to-date check starts now and runs while the images build
    // (push_check.h). Before any build work: a wrong password or a
    // repository we may not push to fails now, in seconds, naming the
    // repository.
    DL_ASSIGN_OR_RETURN(registry::Session * s, session.get());
    DL_ASSIGN_OR_RETURN(auto cells, select_cells(opts.build));
    DL_ASSIGN_OR_RETURN(auto targets, push_targets(cells, s->client().hosts()));
    std::optional<layout::Layout> predicted;
    if (auto l = layout::Layout::open(output_dir(opts)); l.ok()) predicted = std::move(*l);
    remote = std::make_unique<RemoteCheck>(s->client(), std::move(targets), std::move(predicted), check_jobs(opts));
    DL_TRY(preflight_push(cells, s->client(), opts.build.registry.jobs * 2, remote.get()));
  }
  BuildOptions b = opts.build;
  // `dlimage verify` checks what is published against what the cells build
  // now; it never changes the lock (entries are resolved in memory).
  if (opts.verify && !opts.push) b.lock_read_only = true;
  DL_ASSIGN_OR_RETURN(r.build, build(b, session, progress));
  r.failures = r.build.failures;
  for (auto& c : r.build.cells) r.tags += c.cell.tags.size();
  if (opts.push) {
    auto t = r.build.phases.time("push");
    if (progress) progress("push", 0, r.build.cells.size(), "");
    DL_ASSIGN_OR_RETURN(registry::Session * s, session.get());
    DL_ASSIGN_OR_RETURN(r.push, push(opts, r.build, *s, remote.get()));
    r.failures.insert(r.failures.end(), r.push->failures.begin(), r.push->failures.end());
  }
  if (sign_key) {
    auto t = r.build.phases.time("sign");
    std::vector<std::string> failed;
    for (auto& pc : r.push->cells)
      if (pc.failed) failed.push_back(pc.ref);
    DL_ASSIGN_OR_RETURN(registry::Session * s, session.get());
    DL_ASSIGN_OR_RETURN(r.signing, sign_cells(r.build.cells, failed, s->client(), *sign_key, opts.build.registry.jobs));
  }
  if (opts.verify) {
    auto t = r.build.phases.time("verify");
    DL_ASSIGN_OR_RETURN(registry::Session * s, session.get());
    DL_ASSIGN_OR_RETURN(r.problems, verify_cells(r.build.cells, s->client()));
    if (verify_key) {
      DL_ASSIGN_OR_RETURN(r.signature_problems, verify_cell_signatures(r.build.cells, s->client(), *verify_key, 8));
    }
  }
  return {};
}

}  // namespace

Result<ReleaseReport> release(const ReleaseOptions& opts, const Progress& progress) {
  ReleaseReport r;
  r.run = opts.run;
  r.run.started = utc_now();
  auto start = std::chrono::steady_clock::now();
  if (opts.push)
    r.run.registry = opts.build.registry.push_registry.empty() ? "docker.io (the matrix's references)"
                                                               : opts.build.registry.push_registry;
  // What the last run left, read before this one rewrites the layout's index.
  std::string dir = strip_oci(opts.build.output_layout);
  if (!opts.previous_results.empty()) {
    DL_ASSIGN_OR_RETURN(r.previous, previous_from_results(opts.previous_results));
  } else if (!dir.empty()) {
    auto prev = previous_from_layout(dir);
    if (prev.ok()) r.previous = std::move(*prev);  // an unreadable old layout: the build will say why
  }
  Status s = run_phases(opts, progress, r);
  if (!s.ok()) r.error = s.error().message();
  if (!dir.empty()) {
    auto d = cell_details(dir, r.build.cells, r.previous, opts.count_sizes || !opts.report_file.empty());
    if (d.ok())
      r.details = std::move(*d);
    else if (s.ok())
      s = d.error();
  }
  r.run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!opts.report_file.empty()) {
    Status w = write_file_atomic(opts.report_file, render_html_report(r));
    if (!w.ok() && s.ok()) return w.error();
    if (!w.ok())
      return Error(s.error().kind(), s.error().message() + "; the report was not written: " + w.error().message());
  }
  if (!s.ok()) return s.error();
  return r;
}

}  // namespace dl::pipeline
