// The publish through the fault proxy's link emulation (small RTT), against
// a real Distribution registry, with the shipped matrix's 54 cells as
// synthetic images (a base layer per base image, a layer per framework and
// accelerator, one of each cell's own): what goes over the wire, counted
// in the proxy.
#include "builder/pipeline/push.h"
#include "builder/pipeline/push_check.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <random>
#include <set>

#include "base/fs.h"
#include "builder/attest/attach.h"
#include "builder/image/manifest.h"
#include "builder/matrix/matrix.h"
#include "tests/support/fault_proxy.h"
#include "tests/support/registry_test.h"

namespace dl::pipeline {
namespace {

std::string noise(const std::string& seed, size_t n) {
  std::seed_seq s(seed.begin(), seed.end());
  std::mt19937 gen(s);
  std::string out(n, '\0');
  for (auto& c : out) c = static_cast<char>(gen());
  return out;
}

class PushTest : public test::PlainRegistryTest {
 protected:
  void SetUp() override {
    test::PlainRegistryTest::SetUp();
    if (setup_stopped()) return;
    // One layout for the whole suite: writing 216 blobs (each fsynced) is
    // most of a test's time on a loaded disk.
    if (!layout_) {
      tmp_ = new TempDir();
      auto l = layout::Layout::open_or_create(tmp_->path() / "oci");
      ASSERT_TRUE(l.ok()) << l.error().message();
      layout_ = new layout::Layout(std::move(*l));
    }
    test::FaultProxyOptions o;
    o.link = *test::parse_link_profile("rtt=20ms,rate=200mbit");
    auto p = test::FaultProxy::start(reg_->host(), "", o);
    ASSERT_TRUE(p.ok()) << p.error().message();
    proxy_ = std::move(*p);
    ASSERT_TRUE(hosts_.add_plain_http(proxy_->host()).ok());
    ASSERT_TRUE(hosts_.set_push_registry(proxy_->host()).ok());
    http_ = std::make_unique<net::HttpClient>();
    auth_ = std::make_unique<registry::Authenticator>(*http_, registry::CredentialStore());
    client_ = std::make_unique<registry::RegistryClient>(*auth_, hosts_);
  }

  image::Descriptor blob(const std::string& seed, size_t n, std::string_view media_type) {
    auto d = layout_->put_blob(noise(seed, n), media_type);
    EXPECT_TRUE(d.ok()) << d.error().message();
    return *d;
  }

  layout::LayoutStore& store() {
    if (!store_) store_ = std::make_unique<layout::LayoutStore>(*layout_);
    return *store_;
  }

  static void TearDownTestSuite() {
    delete layout_;
    delete tmp_;
    layout_ = nullptr;
    tmp_ = nullptr;
  }

  // One synthetic image per cell of `cells` (made once per suite and salt).
  std::vector<CellResult> images(const std::vector<matrix::Cell>& cells, const std::string& salt = "") {
    static std::map<std::string, CellResult> made;
    std::vector<CellResult> out;
    for (auto& c : cells) {
      if (auto it = made.find(c.id + "/" + salt); it != made.end()) {
        out.push_back(it->second);
        continue;
      }
      CellResult r;
      r.cell = c;
      std::vector<image::Descriptor> layers = {
          blob("base " + c.base.ref, 24 << 10, image::media::kDockerLayerGzip),
          blob("wheels " + c.framework + c.accelerator.key + salt, 12 << 10, image::media::kDockerLayerGzip),
          blob("own " + c.id + salt, 4 << 10, image::media::kDockerLayerGzip)};
      auto config = blob("config " + c.id + salt, 512, image::media::kDockerConfig);
      auto m = image::build_manifest(image::ManifestFormat::docker_v2, config, layers);
      EXPECT_TRUE(m.ok()) << m.error().message();
      auto bytes = image::serialize(*m);
      auto md = layout_->put_blob(*bytes, image::media::kDockerManifest);
      EXPECT_TRUE(md.ok());
      r.manifest = *md;
      for (auto& l : layers) r.layers.push_back({l, "synthetic", true, ""});
      r.size = std::uint64_t(config.size) + 40 * 1024;
      made[c.id + "/" + salt] = r;
      out.push_back(std::move(r));
    }
    return out;
  }

  std::vector<matrix::Cell> shipped() {
    auto m = matrix::load(std::string(DL_SOURCE_DIR) + "/matrix.yaml");
    EXPECT_TRUE(m.ok()) << m.error().message();
    return m->cells;
  }

  static std::set<std::string> digests_of(const std::vector<CellResult>& cells) {
    std::set<std::string> d;
    for (auto& c : cells) {
      for (auto& l : c.layers) d.insert(l.descriptor.digest.str());
      d.insert("config " + c.cell.id);
    }
    return d;
  }

  // What an up-to-date check must confirm: each blob once in each
  // repository that holds it (a blob in one repository proves nothing about
  // another), however many cells share it.
  static std::set<std::string> repo_blobs_of(const std::vector<CellResult>& cells) {
    std::set<std::string> d;
    for (auto& c : cells) {
      for (auto& l : c.layers) d.insert(c.cell.repo + "@" + l.descriptor.digest.str());
      d.insert("config " + c.cell.id);
    }
    return d;
  }

  static inline TempDir* tmp_ = nullptr;
  static inline layout::Layout* layout_ = nullptr;
  std::unique_ptr<layout::LayoutStore> store_;
  std::unique_ptr<test::FaultProxy> proxy_;
  registry::HostConfig hosts_;
  std::unique_ptr<net::HttpClient> http_;
  std::unique_ptr<registry::Authenticator> auth_;
  std::unique_ptr<registry::RegistryClient> client_;
};

// PUT ?digest=<d> (one streamed upload) or the final PUT of a chunked one.
std::string uploaded_digest(const test::RequestRecord& r) {
  if (r.method != "PUT" || r.target.find("/blobs/uploads/") == std::string::npos) return "";
  auto at = r.target.find("digest=");
  if (at == std::string::npos) return "";
  std::string d = r.target.substr(at + 7);
  d = d.substr(0, d.find('&'));
  auto colon = d.find("%3A");
  if (colon != std::string::npos) d = d.substr(0, colon) + ":" + d.substr(colon + 3);
  return d;
}

TEST_F(PushTest, FirstPublishUploadsEveryBlobOnceAndMountsItElsewhere) {
  if (setup_stopped()) return;
  auto cells = images(shipped());
  ASSERT_EQ(cells.size(), 54u);
  PushOptions o;
  o.jobs = 4;
  auto r = push_cells(store(), cells, *client_, o);
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_TRUE(r->failures.empty()) << r->failures.front().cell << ": " << r->failures.front().error;
  size_t tags = 0;
  std::set<std::string> repos;
  for (auto& c : cells) tags += c.cell.tags.size(), repos.insert(c.cell.repo);
  EXPECT_EQ(r->manifests_put, tags);
  ASSERT_GE(repos.size(), 2u);

  std::map<std::string, int> uploads;
  int mounts = 0;
  for (auto& q : proxy_->requests()) {
    std::string d = uploaded_digest(q);
    if (!d.empty() && q.status == 201) uploads[d]++;
    if (q.method == "POST" && q.target.find("mount=") != std::string::npos) {
      ++mounts;
      EXPECT_EQ(q.status, 201) << "mount refused: " << q.target;
    }
  }
  // No blob goes up twice, and every unique blob went up exactly once.
  for (auto& [d, n] : uploads) EXPECT_EQ(n, 1) << d << " uploaded " << n << " times";
  EXPECT_EQ(uploads.size(), digests_of(cells).size());
  EXPECT_EQ(r->blobs_uploaded, uploads.size());
  // The shared base layers reach every other repository by mount.
  EXPECT_GT(mounts, 0);
  EXPECT_EQ(r->blobs_mounted, std::uint64_t(mounts));
  // The images are really there: the registry serves every tag.
  auto problems = verify_cells(cells, *client_);
  ASSERT_TRUE(problems.ok()) << problems.error().message();
  EXPECT_TRUE(problems->empty()) << problems->front().ref;
}

TEST_F(PushTest, ABlobSharedByTwoRepositoriesIsMountedNotUploadedAgain) {
  if (setup_stopped()) return;
  auto all = shipped();
  // Two cells of different repositories on the same base image.
  std::vector<matrix::Cell> two;
  for (auto& c : all)
    if (two.empty() || (c.repo != two[0].repo && c.base.ref == two[0].base.ref && two.size() < 2)) two.push_back(c);
  ASSERT_EQ(two.size(), 2u);
  auto cells = images(two);
  auto base = cells[0].layers[0].descriptor.digest.str();
  ASSERT_EQ(base, cells[1].layers[0].descriptor.digest.str());
  PushOptions o;
  o.jobs = 2;  // both cells at once: the second waits for the first's upload
  auto r = push_cells(store(), cells, *client_, o);
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_TRUE(r->failures.empty()) << r->failures.front().error;
  int base_uploads = 0, base_mounts = 0;
  for (auto& q : proxy_->requests()) {
    if (uploaded_digest(q) == base) ++base_uploads;
    if (q.method == "POST" && q.target.find("mount=" + base.substr(0, 6)) != std::string::npos &&
        q.target.find(base.substr(7)) != std::string::npos) {
      ++base_mounts;
      EXPECT_EQ(q.status, 201);
    }
  }
  EXPECT_EQ(base_uploads, 1);
  EXPECT_EQ(base_mounts, 1);
}

TEST_F(PushTest, NoOpRerunIsOneParallelHeadPerTag) {
  if (setup_stopped()) return;
  auto cells = images(shipped());
  PushOptions o;
  o.jobs = 4;
  auto first = push_cells(store(), cells, *client_, o);
  ASSERT_TRUE(first.ok()) << first.error().message();
  ASSERT_TRUE(first->failures.empty());
  proxy_->clear_requests();

  // A new client, as a new run would have: nothing cached.
  http_ = std::make_unique<net::HttpClient>();
  auth_ = std::make_unique<registry::Authenticator>(*http_, registry::CredentialStore());
  client_ = std::make_unique<registry::RegistryClient>(*auth_, hosts_);
  auto r = push_cells(store(), cells, *client_, o);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->cells_skipped, 54u);
  EXPECT_EQ(r->manifests_put, 0u);
  size_t tags = 0;
  for (auto& c : cells) tags += c.cell.tags.size();
  auto reqs = proxy_->requests();
  // At most one request per tag plus one per unique blob (the blob HEADs
  // that prove the registry still holds every layer, once per registry
  // however many repositories share the blob), and nothing else: the
  // first HEAD is the ping.
  EXPECT_LE(reqs.size(), tags + digests_of(cells).size());
  EXPECT_LT(digests_of(cells).size(), repo_blobs_of(cells).size()) << "the matrix shares blobs across repositories";
  size_t heads = 0, blob_heads = 0;
  std::map<std::string, int> per_blob;
  for (auto& q : reqs) {
    EXPECT_EQ(q.method, "HEAD") << q.target;
    heads += q.target.find("/manifests/") != std::string::npos;
    if (q.target.find("/blobs/") != std::string::npos) ++blob_heads, per_blob[q.target.substr(q.target.rfind('/'))]++;
  }
  EXPECT_EQ(heads, tags);
  EXPECT_EQ(blob_heads, digests_of(cells).size());
  for (auto& [d, n] : per_blob) EXPECT_EQ(n, 1) << d << " checked " << n << " times";
  // In parallel, as the proxy saw it rather than by the clock (a loaded
  // machine stretches time, not overlap): every HEAD spends at least one
  // 20 ms round trip in flight, so a parallel check has many open at once,
  // and one after the other never more than one.
  size_t peak = test::peak_in_flight(reqs);
  std::printf("no-op: %zu HEADs, at most %zu in flight at once\n", reqs.size(), peak);
  EXPECT_GE(peak, 8u) << "the up-to-date HEADs went (nearly) one at a time";
}

// The check as `build --push` runs it: started before the build
// (push_check.h), from the layout's last build, while the images build. The
// publish after it asks nothing again, and the preflight probes no
// repository when nothing will change.
TEST_F(PushTest, NoOpCheckedBeforeTheBuildAsksNothingAfterIt) {
  if (setup_stopped()) return;
  auto cells = images(shipped());
  std::vector<matrix::Cell> matrix_cells;
  for (auto& c : cells) {
    matrix_cells.push_back(c.cell);
    for (auto& ref : c.cell.refs()) ASSERT_TRUE(layout_->tag(ref, c.manifest).ok());  // what the last build made
  }
  PushOptions o;
  o.jobs = 4;
  auto first = push_cells(store(), cells, *client_, o);
  ASSERT_TRUE(first.ok()) << first.error().message();
  ASSERT_TRUE(first->failures.empty());
  proxy_->clear_requests();

  http_ = std::make_unique<net::HttpClient>();
  auth_ = std::make_unique<registry::Authenticator>(*http_, registry::CredentialStore());
  client_ = std::make_unique<registry::RegistryClient>(*auth_, hosts_);
  auto targets = push_targets(matrix_cells, hosts_);
  ASSERT_TRUE(targets.ok()) << targets.error().message();
  RemoteCheck remote(*client_, *targets, *layout_, 16);
  ASSERT_TRUE(preflight_push(matrix_cells, *client_, 8, &remote).ok());
  EXPECT_TRUE(remote.changing_repositories().empty());
  o.remote = &remote;
  auto r = push_cells(store(), cells, *client_, o);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->cells_skipped, 54u);
  size_t tags = 0;
  for (auto& c : cells) tags += c.cell.tags.size();
  auto reqs = proxy_->requests();
  EXPECT_LE(reqs.size(), tags + digests_of(cells).size());
  for (auto& q : reqs) EXPECT_EQ(q.method, "HEAD") << "a no-op probes no repository: " << q.target;
  EXPECT_EQ(remote.blob_requests(), digests_of(cells).size()) << "every blob guessed from the layout";
  EXPECT_EQ(r->requests_check, reqs.size());

  // A matrix whose images changed: every repository is probed before the
  // build (POST + DELETE), and the tags are not taken for current.
  auto changed = images(shipped(), "changed");
  for (auto& c : changed)
    for (auto& ref : c.cell.refs()) ASSERT_TRUE(layout_->tag(ref, c.manifest).ok());
  proxy_->clear_requests();
  RemoteCheck again(*client_, *targets, *layout_, 16);
  ASSERT_TRUE(preflight_push(matrix_cells, *client_, 8, &again).ok());
  std::set<std::string> repos, probed;
  for (auto& c : cells) repos.insert(c.cell.repo);
  for (auto& q : proxy_->requests())
    if (q.method == "POST") probed.insert(q.target.substr(4, q.target.find("/blobs/") - 4));
  EXPECT_EQ(probed.size(), repos.size());
  for (auto& c : cells)
    for (auto& ref : c.cell.refs()) EXPECT_TRUE(layout_->untag(ref).ok());
}

// An attested cell (BuildKit index over the image and its attestation
// manifest, two OCI referrers): every blob of all five manifests goes up in
// one parallel batch before the first manifest, so after the last byte only
// a handful of round trips remain (the children at once, the referrers at
// once, the referrers tag, the tags), not one chain per manifest.
TEST_F(PushTest, AnAttestedCellSendsEveryBlobBeforeItsFirstManifest) {
  if (setup_stopped()) return;
  auto all = shipped();
  auto cells = images({all.front()}, "attested");
  auto& cr = cells.front();
  image::Platform platform{"amd64", "linux", "", "", {}};
  auto attached = attest::attach(store(), attest::Format::buildkit, cr.manifest, platform,
                                 {{"https://spdx.dev/Document", noise("sbom", 900)},
                                  {"https://slsa.dev/provenance/v1", noise("provenance", 700)}});
  ASSERT_TRUE(attached.ok()) << attached.error().message();
  cr.image = cr.manifest;
  cr.manifest = attached->index;
  cr.referrers = attached->referrers;
  proxy_->clear_requests();
  PushOptions o;
  auto r = push_cells(store(), cells, *client_, o);
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_TRUE(r->failures.empty()) << r->failures.front().error;
  auto log = proxy_->requests();
  size_t last_blob = 0, first_manifest = log.size(), manifests = 0;
  for (size_t i = 0; i < log.size(); ++i) {
    bool manifest = log[i].method == "PUT" && log[i].target.find("/manifests/") != std::string::npos;
    bool blob = log[i].target.find("/blobs/") != std::string::npos;
    if (manifest) first_manifest = std::min(first_manifest, i), ++manifests;
    // The blob HEADs after an upload (confirming it) belong to the batch.
    if (blob) last_blob = i;
  }
  EXPECT_EQ(manifests, 5u + cr.cell.tags.size()) << "image, attestation, 2 referrers, referrers tag, the tags";
  EXPECT_LT(last_blob, first_manifest) << "a manifest went up while blobs of the cell were still going";
}

TEST_F(PushTest, KeepGoingPushesTheOtherCellsAndListsTheFailure) {
  if (setup_stopped()) return;
  auto all = shipped();
  std::vector<matrix::Cell> three(all.begin(), all.begin() + 3);
  auto cells = images(three, "keep-going");  // own blobs: one is removed below
  // A manifest that names a blob the layout does not have: that cell fails.
  ASSERT_TRUE(fs::remove(layout_->blob_path(cells[1].layers[2].descriptor.digest)));
  for (bool keep_going : {false, true}) {
    PushOptions o;
    o.jobs = 1;
    o.keep_going = keep_going;
    auto r = push_cells(store(), cells, *client_, o);
    ASSERT_TRUE(r.ok()) << r.error().message();
    ASSERT_GE(r->failures.size(), 1u);
    EXPECT_EQ(r->failures[0].cell, r->cells[1].ref);
    EXPECT_EQ(r->failures[0].phase, "push");
    EXPECT_NE(r->failures[0].error.find(cells[1].layers[2].descriptor.digest.str()), std::string::npos)
        << r->failures[0].error;
    if (keep_going) {
      EXPECT_EQ(r->failures.size(), 1u);
      EXPECT_FALSE(r->cells[2].failed);
    } else {
      // Without --keep-going no new cell starts after the failure.
      ASSERT_EQ(r->failures.size(), 2u);
      EXPECT_NE(r->failures[1].error.find("an earlier cell failed"), std::string::npos);
    }
  }
}

TEST_F(PushTest, ProgressCountsCellsAndBytes) {
  if (setup_stopped()) return;
  auto all = shipped();
  auto cells = images(std::vector<matrix::Cell>(all.begin(), all.begin() + 4));
  ProgressMeter meter;
  std::vector<std::string> done;
  meter.set_listener([&](const ProgressSnapshot& s, const std::string& what, bool) {
    if (s.phase == "push") done.push_back(what);
  });
  PushOptions o;
  o.progress = &meter;
  auto r = push_cells(store(), cells, *client_, o);
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_TRUE(r->failures.empty()) << r->failures.front().error;
  auto s = meter.snapshot();
  EXPECT_EQ(s.phase, "push");
  EXPECT_EQ(s.items_done, 4u);
  EXPECT_EQ(s.items_total, 4u);
  EXPECT_EQ(done.size(), 4u);
  EXPECT_GT(s.bytes_total, 0u);
  // Every layer byte that went up was counted (configs too, so >=).
  EXPECT_GE(s.bytes_done, s.bytes_total);
}

}  // namespace
}  // namespace dl::pipeline
