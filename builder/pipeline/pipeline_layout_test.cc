// The pipeline through the image-store interface, on real OCI layouts on
// disk and no registry: a base image stored with layout::store_image, a
// two-image matrix with a real wheel (Debian's wheel-0.38.4, from
// /usr/share/python-wheels), an artifact-free recipe with files. Proves a
// rebuild is a no-op, a recipe change moves exactly that cell's digest, the
// labels read back through the one table, each wheel is inspected once per
// build, and `verify` never writes the lock.
#include <gtest/gtest.h>

#include <archive.h>
#include <archive_entry.h>

#include "base/fs.h"
#include "base/sha256.h"
#include "builder/layer/layer_writer.h"
#include "builder/layout/layout.h"
#include "builder/layout/layout_store.h"
#include "builder/layout/store_image.h"
#include "builder/pipeline/build.h"
#include "builder/pipeline/cell_builder.h"
#include "builder/pipeline/cell_plan.h"
#include "builder/pipeline/image_labels.h"
#include "builder/pipeline/provenance.h"
#include "builder/pipeline/release.h"
#include "builder/pipeline/resolve_wheels.h"
#include "builder/wheel/lock.h"
#include "tests/support/hostile_server.h"

namespace dl::pipeline {
namespace {

constexpr const char* kDebianWheels = "/usr/share/python-wheels";

std::string matrix_yaml(const std::string& repo_host = "") {
  std::string h = repo_host.empty() ? "" : repo_host + "/";
  return "schema: 1\n"
         "bases:\n"
         "  tiny:\n"
         "    ref: tiny:1\n"
         "    glibc: \"2.36\"\n"
         "    pythons:\n"
         "      \"3.11\": {abi: cp311, interpreter: /usr/bin/python3.11, site_packages: "
         "usr/local/lib/python3.11/dist-packages}\n"
         "pythons:\n"
         "  \"3.11\": {tag: \"-py311\"}\n"
         "accelerators:\n"
         "  cpu: {kind: cpu, tag: cpu, base: tiny}\n"
         "isa:\n"
         "  generic: {rank: 0, features: [], tag: \"\"}\n"
         "images:\n"
         "  - name: a\n"
         "    repo: " +
         h +
         "test/a\n"
         "    framework: a\n"
         "    axes: {version: [\"1\"], python: [\"3.11\"], accelerator: [cpu]}\n"
         "    tags: [\"{version}{python.tag}-{accelerator.tag}\"]\n"
         "  - name: b\n"
         "    repo: " +
         h +
         "test/b\n"
         "    framework: b\n"
         "    axes: {version: [\"2\"], python: [\"3.11\"], accelerator: [cpu]}\n"
         "    tags: [\"{version}{python.tag}-{accelerator.tag}\"]\n";
}

struct Tiny {
  TempDir dir{"dl-pipeline-layout"};
  fs::path base() const { return dir.path() / "base"; }
  fs::path out() const { return dir.path() / "out"; }
  fs::path matrix() const { return dir.path() / "matrix.yaml"; }
  fs::path lock() const { return dir.path() / "wheels.lock"; }

  Tiny(const std::string& repo_host = "") {
    store_base("ELF stand-in");
    EXPECT_TRUE(write_file_atomic(matrix(), matrix_yaml(repo_host)).ok());
    recipe("a", "  - {require: \"wheel==0.38.4\", layer: shared}\n", "hello from a\n");
    recipe("b", "", "hello from b\n");
  }

  // The base: one layer with the interpreter the matrix declares (the
  // build checks it exists), stored through the ImageStore interface as
  // tiny:1. Returns its manifest digest.
  std::string store_base(const std::string& interpreter_bytes) const {
    auto l = layout::Layout::open_or_create(base()).value();
    layout::LayoutStore store(l);
    auto blob = l.blob_writer().value();
    layer::LayerOptions lo;
    auto w = layer::LayerWriter::create(lo, blob.get()).value();
    EXPECT_TRUE(w->add_bytes("usr/bin/python3.11", interpreter_bytes, 0755).ok());
    auto info = w->finish().value();
    image::ImageConfig config;
    config.add_layer(info.diff_id, "tiny base", 0);
    auto stored = layout::store_image(store, image::ManifestFormat::oci, config,
                                      {blob->descriptor(info.oci_media_type())}, {}, {"tiny:1"});
    EXPECT_TRUE(stored.ok()) << stored.error().message();
    return stored.ok() ? stored->manifest.digest.str() : "";
  }

  void recipe(const std::string& name, const std::string& wheels, const std::string& content) {
    std::string r = "schema: 1\nname: " + name + "\n";
    if (!wheels.empty()) r += "wheels:\n" + wheels;
    r += "files:\n  - {dest: /etc/" + name + ".txt, content: \"" + content.substr(0, content.size() - 1) + "\\n\"}\n";
    EXPECT_TRUE(write_file_atomic(dir.path() / "recipes" / (name + ".yaml"), r).ok());
  }

  BuildOptions options() const {
    BuildOptions o;
    o.matrix_file = matrix().string();
    o.output_layout = "oci:" + out().string();
    o.base_layouts = {"oci:" + base().string()};
    o.wheel_dirs = {kDebianWheels};
    o.use_catalog = false;
    o.cache_dir = (dir.path() / "cache").string();
    o.lock_file = lock().string();
    o.source_date_epoch = 1700000000;
    return o;
  }

  Result<BuildReport> build() const { return build(options()); }
  static Result<BuildReport> build(const BuildOptions& o) {
    registry::LazySession session(o.registry);
    return pipeline::build(o, session);
  }
};

std::map<std::string, std::string> digests(const BuildReport& r) {
  std::map<std::string, std::string> out;
  for (auto& c : r.cells) out[c.cell.ref()] = c.manifest.digest.str();
  return out;
}

TEST(PipelineLayout, RebuildIsANoOpAndARecipeChangeMovesOnlyItsCell) {
  Tiny t;
  auto first = t.build();
  ASSERT_TRUE(first.ok()) << first.error().message();
  ASSERT_EQ(first->cells.size(), 2u);
  auto before = digests(*first);
  const auto& a = first->cells[0];
  ASSERT_EQ(a.cell.ref(), "test/a:1-py311-cpu");
  std::vector<std::string> kinds;
  for (auto& l : a.layers) kinds.push_back(l.kind);
  EXPECT_EQ(kinds, (std::vector<std::string>{"base", "wheels:shared", "files"}));

  auto again = t.build();
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(digests(*again), before);
  for (auto& c : again->cells)
    for (auto& l : c.layers)
      EXPECT_FALSE(l.built) << c.cell.ref() << " " << l.kind << ": rebuilt, expected a cache hit";

  t.recipe("b", "", "changed\n");
  auto changed = t.build();
  ASSERT_TRUE(changed.ok()) << changed.error().message();
  auto after = digests(*changed);
  EXPECT_EQ(after["test/a:1-py311-cpu"], before["test/a:1-py311-cpu"]);
  EXPECT_NE(after["test/b:2-py311-cpu"], before["test/b:2-py311-cpu"]);
  // Only b's files layer is new.
  size_t built = 0;
  for (auto& c : changed->cells)
    for (auto& l : c.layers) built += l.built;
  EXPECT_EQ(built, 1u);
}

TEST(PipelineLayout, LabelsRoundTripThroughTheOneTable) {
  Tiny t;
  auto r = t.build();
  ASSERT_TRUE(r.ok()) << r.error().message();
  auto l = layout::Layout::open(t.out()).value();
  layout::LayoutStore store(l);
  for (auto& c : r->cells) {
    auto img = layout::read_image(store, c.cell.ref());
    ASSERT_TRUE(img.ok()) << img.error().message();
    auto back = from_labels(img->config.config.labels);
    ASSERT_TRUE(back.has_value()) << c.cell.ref();
    EXPECT_EQ(back->cell.id, c.cell.id);
    EXPECT_EQ(back->cell.repo, c.cell.repo);
    EXPECT_EQ(back->primary_tag, c.cell.tags.front());
    EXPECT_EQ(back->cell.framework, c.cell.framework);
    EXPECT_EQ(back->cell.version, c.cell.version);
    EXPECT_EQ(back->cell.pythons, c.cell.pythons);
    EXPECT_EQ(back->cell.accelerator.key, "cpu");
    EXPECT_EQ(back->cell.base.os + "/" + back->cell.base.arch, "linux/amd64");
    // The recorded inputs are the plan's.
    auto plan = make_cell_plan(t.options(), c.cell);
    ASSERT_TRUE(plan.ok()) << plan.error().message();
    EXPECT_EQ(back->recipe_digest, plan->recipe_digest);
    auto lock = wheel::load_lock(t.lock().string());
    ASSERT_TRUE(lock.ok()) << lock.error().message();
    EXPECT_EQ(back->lock_digest, lock_fingerprint(*lock, c.cell.ref(), c.cell.pythons).label());
    EXPECT_FALSE(back->lock_digest.empty()) << c.cell.ref() << ": every Python has a lock entry";
    // Written back, the labels are the image's labels.
    for (auto& [k, v] : labels_of(*back)) EXPECT_EQ(img->config.config.labels[k], v) << k;
  }
}

TEST(PipelineLayout, EachWheelIsInspectedOncePerBuild) {
  Tiny t;
  // Both images carry the same wheel now.
  t.recipe("b", "  - {require: \"wheel==0.38.4\", layer: shared}\n", "hello from b\n");
  auto o = t.options();
  registry::LazySession session(o.registry);
  auto ctx = BuildContext::create(o, session);
  ASSERT_TRUE(ctx.ok()) << ctx.error().message();
  auto m = load_matrix(o);
  ASSERT_TRUE(m.ok()) << m.error().message();
  std::vector<CellPlan> plans;
  for (auto& c : m->cells) plans.push_back(make_cell_plan(o, c).value());
  std::vector<const CellPlan*> ptrs;
  for (auto& p : plans) ptrs.push_back(&p);
  ASSERT_TRUE(resolve_wheels((*ctx)->lock(), o, ptrs, m->cells).ok());
  for (auto& p : plans) {
    auto r = build_cell(**ctx, p);
    ASSERT_TRUE(r.ok()) << r.error().message();
  }
  EXPECT_EQ((*ctx)->inspections(), 1u) << "one wheel, two cells: inspected once";
  // The plans carry the same inspection into both wheel layers.
  auto wheels_of = [](const CellPlan& p) {
    for (auto& l : p.layers)
      if (auto* w = std::get_if<WheelsLayer>(&l.content)) return w->installs.at(0).wheels.at(0).get();
    return static_cast<const wheel::WheelContents*>(nullptr);
  };
  ASSERT_NE(wheels_of(plans[0]), nullptr);
  EXPECT_EQ(wheels_of(plans[0]), wheels_of(plans[1]));
}

size_t attest_memos(const Tiny& t) {
  size_t n = 0;
  std::error_code ec;
  for (auto& e : fs::directory_iterator(t.out() / ".dlimage-cache" / "attest", ec))
    n += e.path().extension() == ".json";
  return n;
}

// Attestations are deterministic in their inputs: a rebuild reuses what the
// last one attached (attest_cell.cc) while the layout still holds it, and
// any changed input makes new ones.
TEST(PipelineLayout, AttestationsAreReusedOnlyForTheSameInputs) {
  Tiny t;
  auto first = t.build();
  ASSERT_TRUE(first.ok()) << first.error().message();
  auto before = digests(*first);
  EXPECT_EQ(attest_memos(t), 2u) << "one per cell";
  ASSERT_EQ(first->cells[0].referrers.size(), 2u) << "SBOM and provenance";

  auto again = t.build();
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(digests(*again), before);
  EXPECT_EQ(again->cells[0].referrers, first->cells[0].referrers);
  EXPECT_EQ(attest_memos(t), 2u) << "same inputs: no new attestation";

  // A referrer the layout lost: not trusted, made again (the same bytes).
  auto l = layout::Layout::open(t.out()).value();
  const auto lost = first->cells[0].referrers[0].digest;
  ASSERT_TRUE(fs::remove(l.blob_path(lost)));
  auto repaired = t.build();
  ASSERT_TRUE(repaired.ok()) << repaired.error().message();
  EXPECT_EQ(digests(*repaired), before);
  EXPECT_TRUE(l.has_blob(lost)) << "regenerated";

  // An input only the provenance shows (the lock file's name; same
  // entries, so the same images): new statements, new referrers, every
  // cell; the tags stay on the same image (referrers-only attestation).
  auto o = t.options();
  o.lock_file = (t.dir.path() / "renamed.lock").string();
  ASSERT_TRUE(write_file_atomic(o.lock_file, read_file(t.lock()).value()).ok());
  registry::LazySession session(o.registry);
  auto renamed = pipeline::build(o, session);
  ASSERT_TRUE(renamed.ok()) << renamed.error().message();
  for (size_t i = 0; i < renamed->cells.size(); ++i) {
    EXPECT_EQ(renamed->cells[i].image, first->cells[i].image) << "the image itself is unchanged";
    EXPECT_EQ(renamed->cells[i].manifest, renamed->cells[i].image) << "the tags name the image";
    EXPECT_NE(renamed->cells[i].referrers, first->cells[i].referrers) << "but not its attestations";
  }
  EXPECT_EQ(attest_memos(t), 4u);
}

TEST(PipelineLayout, VerifyNeverWritesTheLock) {
  // The images name a registry nobody listens on: verify's check fails,
  // after the build it runs, which is what must leave the lock alone.
  Tiny t("127.0.0.1:9");
  ReleaseOptions ro;
  ro.build = t.options();
  ro.build.registry.plain_http = {"127.0.0.1:9"};
  // A lock that is not what the matrix resolves to now.
  const std::string stale = wheel::lock_to_json(wheel::Lock{});
  ASSERT_TRUE(write_file_atomic(t.lock(), stale).ok());
  ro.verify = true;
  auto r = release(ro);
  EXPECT_FALSE(r.ok()) << "nothing listens on 127.0.0.1:9";
  auto text = read_file(t.lock());
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, stale) << "verify wrote the lock";
  // The same release without verify does write it: the check can fail.
  ro.verify = false;
  auto b = release(ro);
  ASSERT_TRUE(b.ok()) << b.error().message();
  EXPECT_NE(read_file(t.lock()).value(), stale);
}

TEST(PipelineLayout, TheLockPinsTheBaseAndAMovedBaseFailsTheBuildInOneLine) {
  Tiny t;
  const std::string first_base = t.store_base("ELF stand-in");
  auto first = t.build();
  ASSERT_TRUE(first.ok()) << first.error().message();
  auto lock = wheel::load_lock(t.lock().string());
  ASSERT_TRUE(lock.ok()) << lock.error().message();
  ASSERT_EQ(lock->bases.size(), 1u);
  EXPECT_EQ(lock->bases.at("tiny:1"), (wheel::LockedBase{first_base, "linux/amd64"}));
  const std::string out_index = read_file(t.out() / "index.json").value();

  // Somebody re-tags tiny:1 in the --base layout.
  const std::string moved = t.store_base("another interpreter");
  ASSERT_NE(moved, first_base);
  auto failed = t.build();
  ASSERT_FALSE(failed.ok()) << "a moved base was built on";
  EXPECT_EQ(failed.error().message(), "base tiny:1: the lock pins " + first_base + " but oci:" + t.base().string() +
                                          " has " + moved + "; run `dlimage lock --upgrade-base tiny:1` to re-pin it");
  EXPECT_EQ(read_file(t.out() / "index.json").value(), out_index) << "the output layout changed";
  EXPECT_EQ(wheel::load_lock(t.lock().string())->bases.at("tiny:1").digest, first_base);

  // A typo in --upgrade-base upgrades nothing silently.
  auto o = t.options();
  o.upgrade_bases = {"tiny:2"};
  auto typo = Tiny::build(o);
  ASSERT_FALSE(typo.ok());
  EXPECT_EQ(typo.error().message(),
            "--upgrade-base tiny:2: no image of the matrix is built on it; did you mean tiny:1?");

  o.upgrade_bases = {"tiny:1"};
  auto upgraded = Tiny::build(o);
  ASSERT_TRUE(upgraded.ok()) << upgraded.error().message();
  EXPECT_EQ(wheel::load_lock(t.lock().string())->bases.at("tiny:1").digest, moved);
  EXPECT_TRUE(t.build().ok()) << "re-pinned: a plain build goes through again";
}

// A tar.gz holding one file, as a recipe's artifact.
std::string artifact_tarball(const std::string& name, const std::string& content) {
  std::string out;
  std::unique_ptr<archive, decltype(&archive_write_free)> a(archive_write_new(), archive_write_free);
  archive_write_set_format_pax_restricted(a.get());
  archive_write_add_filter_gzip(a.get());
  archive_write_open(
      a.get(), &out, nullptr,
      [](archive*, void* o, const void* buf, size_t n) -> la_ssize_t {
        static_cast<std::string*>(o)->append(static_cast<const char*>(buf), n);
        return la_ssize_t(n);
      },
      nullptr);
  archive_entry* e = archive_entry_new();
  archive_entry_set_pathname(e, name.c_str());
  archive_entry_set_size(e, la_int64_t(content.size()));
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  archive_write_header(a.get(), e);
  archive_write_data(a.get(), content.data(), content.size());
  archive_entry_free(e);
  archive_write_close(a.get());
  return out;
}

TEST(PipelineLayout, RemoteArtifactsNeedASha256AndAreLockedWithoutCredentials) {
  Tiny t;
  const std::string tarball = artifact_tarball("tool/README", "hello\n");
  const std::string sha = Sha256::hex(tarball);
  test::HostileServer files([&](const test::SeenRequest& r) {
    if (r.path() == "/art/tool.tar.gz") return test::CannedReply{200, {}, tarball};
    return test::CannedReply{404, {}, "not here"};
  });
  auto o = t.options();
  o.artifacts = "http://reader:s3cret@" + files.host() + "/art";

  // Relative, so only --artifacts makes it a download: the build must ask.
  EXPECT_TRUE(write_file_atomic(t.dir.path() / "recipes" / "b.yaml",
                                "schema: 1\nname: b\nartifacts:\n  - {url: tool.tar.gz, dest: /opt/tool}\n")
                  .ok());
  auto missing = Tiny::build(o);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message(), (t.dir.path() / "recipes" / "b.yaml").string() +
                                           ":4:5: artifact 'tool.tar.gz' is downloaded from http://" + files.host() +
                                           "/art/tool.tar.gz and has no sha256; expected `sha256:` with its 64 hex "
                                           "digits");
  EXPECT_TRUE(files.requests().empty()) << "fetched an artifact with no sha256 to check it against";

  EXPECT_TRUE(write_file_atomic(
                  t.dir.path() / "recipes" / "b.yaml",
                  "schema: 1\nname: b\nartifacts:\n  - {url: tool.tar.gz, dest: /opt/tool, sha256: " + sha + "}\n")
                  .ok());
  auto built = Tiny::build(o);
  ASSERT_TRUE(built.ok()) << built.error().message();
  auto lock = wheel::load_lock(t.lock().string());
  ASSERT_TRUE(lock.ok()) << lock.error().message();
  ASSERT_EQ(lock->artifacts.count("test/b:2-py311-cpu"), 1u);
  EXPECT_EQ(lock->artifacts.at("test/b:2-py311-cpu"),
            (std::vector<wheel::LockedArtifact>{
                {"/opt/tool", "http://" + files.host() + "/art/tool.tar.gz", sha, tarball.size()}}));
  EXPECT_EQ(read_file(t.lock()).value().find("s3cret"), std::string::npos);
  // Content-addressed: the download is in the cache under its sha256, and
  // a second build fetches nothing.
  EXPECT_TRUE(fs::exists(t.dir.path() / "cache" / "sha256" / sha));
  size_t seen = files.requests().size();
  EXPECT_EQ(seen, 1u);
  ASSERT_TRUE(Tiny::build(o).ok());
  EXPECT_EQ(files.requests().size(), seen);
}

}  // namespace
}  // namespace dl::pipeline
