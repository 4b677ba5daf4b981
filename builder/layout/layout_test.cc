#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <thread>

#include "builder/layer/layer_writer.h"
#include "builder/layout/layout.h"
#include "builder/layout/layout_store.h"
#include "builder/layout/store_image.h"

namespace dl::layout {
namespace {

using image::Descriptor;
using image::ManifestFormat;

int run(const std::string& cmd, std::string* out = nullptr) {
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return -1;
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) text.append(buf, n);
  int rc = ::pclose(p);
  if (out) *out = text;
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

bool have(const std::string& tool) { return run("command -v " + tool) == 0; }

Layout make_layout(const fs::path& dir) {
  auto l = Layout::open_or_create(dir);
  EXPECT_TRUE(l.ok()) << l.error().message();
  return std::move(*l);
}

Result<StoredImage> read_tag(const Layout& l, const std::string& ref) {
  LayoutStore s(l);
  return read_image(s, ref);
}

const std::string kLongPath = "opt/" + std::string(150, 'd') + "/" + std::string(120, 'f');

// One small layer (a few files) + config + manifest, tagged `tag`.
StoredRefs write_small_image(const Layout& l, ManifestFormat format, const std::string& tag,
                             layer::Compression c = layer::Compression::gzip) {
  auto blob = l.blob_writer();
  EXPECT_TRUE(blob.ok());
  layer::LayerOptions opts;
  opts.compression.algorithm = c;
  auto w = layer::LayerWriter::create(opts, blob->get());
  EXPECT_TRUE(w.ok());
  EXPECT_TRUE((*w)->add_bytes("opt/app/caf\xc3\xa9.txt", "utf-8 name\n").ok());
  EXPECT_TRUE((*w)->add_bytes("opt/app/hello.txt", "hello world\n").ok());
  EXPECT_TRUE((*w)->add_bytes("opt/app/run.sh", "#!/bin/sh\necho run\n", 0755).ok());
  layer::Entry link;
  link.path = "opt/app/latest";
  link.type = layer::EntryType::symlink;
  link.link_target = "run.sh";
  EXPECT_TRUE((*w)->add(link).ok());
  layer::Entry hard;
  hard.path = "opt/app/hello-hard";
  hard.type = layer::EntryType::hardlink;
  hard.link_target = "opt/app/hello.txt";
  EXPECT_TRUE((*w)->add(hard).ok());
  EXPECT_TRUE((*w)->add_bytes(kLongPath, "deep\n").ok());  // needs a PAX path record
  auto info = (*w)->finish();
  EXPECT_TRUE(info.ok()) << info.error().message();
  image::ImageConfig cfg;
  cfg.set_created(0);
  cfg.config.cmd = {"/opt/app/run.sh"};
  cfg.set_env("PATH", "/usr/bin:/bin");
  cfg.add_layer(info->diff_id, "dlimage test layer", 0);
  Descriptor layer_desc = (*blob)->descriptor(info->oci_media_type());
  EXPECT_EQ(layer_desc.digest, info->digest);
  image::ImageMetadata meta;
  meta.version = "1.0";
  LayoutStore store(l);
  auto stored = store_image(store, format, cfg, {layer_desc}, image::oci_annotations(meta), {tag});
  EXPECT_TRUE(stored.ok()) << stored.error().message();
  return *stored;
}

TEST(Layout, BlobsAreContentAddressedAndVerified) {
  TempDir t;
  Layout l = make_layout(t.path());
  auto d = l.put_blob("some bytes", "application/octet-stream");
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(l.has_blob(d->digest));
  EXPECT_EQ(*read_file(l.blob_path(d->digest)), "some bytes");
  auto again = l.put_blob("some bytes", "application/octet-stream");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->digest, d->digest);
  EXPECT_EQ(*l.read_blob(*d), "some bytes");

  ASSERT_TRUE(write_file_atomic(l.blob_path(d->digest), "tampered!!").ok());
  auto bad = l.read_blob(*d);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind(), ErrorKind::integrity);
  EXPECT_NE(bad.error().message().find(d->digest.str()), std::string::npos);

  auto w = l.blob_writer(Digest::of("expected"));
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->write("other", 5).ok());
  auto fin = (*w)->finish();
  ASSERT_FALSE(fin.ok());
  EXPECT_EQ(fin.error().kind(), ErrorKind::integrity);
  w->reset();
  EXPECT_TRUE(fs::is_empty(t.path() / ".dlimage-tmp")) << "failed blob left its temp file";
}

TEST(Layout, OpenCreatesNothing) {
  TempDir t;
  write_small_image(make_layout(t.path()), ManifestFormat::oci, "x");
  fs::remove_all(t.path() / ".dlimage-tmp");
  auto l = Layout::open(t.path());
  ASSERT_TRUE(l.ok());
  EXPECT_TRUE(read_tag(*l, "x").ok());
  EXPECT_TRUE(l->validate().ok());
  EXPECT_FALSE(fs::exists(t.path() / ".dlimage-tmp")) << "reading must not write into the layout";
}

TEST(Layout, TagsMoveAndResolve) {
  TempDir t;
  Layout l = make_layout(t.path());
  StoredRefs a = write_small_image(l, ManifestFormat::oci, "v1");
  StoredRefs b = write_small_image(l, ManifestFormat::docker_v2, "v2");
  EXPECT_NE(a.manifest.digest, b.manifest.digest);
  ASSERT_TRUE(l.tag("v1", b.manifest).ok());
  auto idx = l.list();
  ASSERT_TRUE(idx.ok());
  EXPECT_EQ(idx->manifests.size(), 2u) << "retagging moves the tag instead of adding an entry";
  EXPECT_EQ(l.resolve("v1")->digest, b.manifest.digest);
  auto missing = l.resolve("nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind(), ErrorKind::not_found);
  EXPECT_NE(missing.error().message().find("tags: v1, v2"), std::string::npos) << missing.error().message();
  ASSERT_TRUE(l.untag("v2").ok());
  EXPECT_FALSE(l.resolve("v2").ok());
  auto img = read_tag(l, "v1");
  ASSERT_TRUE(img.ok()) << img.error().message();
  EXPECT_EQ(img->manifest.format, ManifestFormat::docker_v2);
  EXPECT_EQ(img->config.config.cmd, std::vector<std::string>{"/opt/app/run.sh"});
  EXPECT_EQ(img->manifest.layers[0].media_type, image::media::kDockerLayerGzip);
  EXPECT_TRUE(l.validate().ok());
  EXPECT_FALSE(Layout::open(t.path() / "blobs").ok());
  EXPECT_EQ(parse_layout_ref("/tmp/x:latest")->ref_name, "latest");
  EXPECT_FALSE(parse_layout_ref("/tmp/x").ok());
}

TEST(LayoutRef, OneRuleForTagsRepoTagsAndDigests) {
  TempDir t;
  ASSERT_TRUE(Layout::open_or_create(t.path() / "out").ok());
  const std::string out = (t.path() / "out").string();
  auto ref = [](const std::string& text, const std::string& def = "") {
    auto r = parse_layout_ref(text, def);
    return r.ok() ? r->dir.string() + " | " + r->ref_name : r.error().message();
  };
  EXPECT_EQ(ref("oci:" + out + ":v1"), out + " | v1");
  EXPECT_EQ(ref(out + ":v1"), out + " | v1");
  // dlimage's own names: the first colon that ends at a layout.
  EXPECT_EQ(ref("oci:" + out + ":team/app:1.0-py36-cpu"), out + " | team/app:1.0-py36-cpu");
  EXPECT_EQ(ref("oci:" + out + ":base/docker.io/library/debian:12"), out + " | base/docker.io/library/debian:12");
  EXPECT_EQ(ref("oci:" + out + ":sha256:" + std::string(64, 'a')), out + " | sha256:" + std::string(64, 'a'));
  // A destination that does not exist yet splits at the last colon.
  EXPECT_EQ(ref("oci:/nonexistent/new:v2"), "/nonexistent/new | v2");
  EXPECT_EQ(ref("oci:" + out, "latest"), out + " | latest");
  EXPECT_EQ(ref("oci:" + out), "'oci:" + out + "': expected DIR:REF (an OCI layout directory and a tag or digest)");
  EXPECT_EQ(ref("oci::v1", "latest"), "'oci::v1': expected DIR[:REF] (an OCI layout directory and a tag or digest)");
  EXPECT_FALSE(parse_layout_ref(out + ":").ok());
}

TEST(LayoutDir, StripsTheTransportPrefixOnly) {
  EXPECT_EQ(layout_dir("oci:out"), "out");
  EXPECT_EQ(layout_dir("oci:/tmp/a:b"), "/tmp/a:b");  // the whole rest is the directory
  EXPECT_EQ(layout_dir("out"), "out");
  EXPECT_EQ(layout_dir("./oci:x"), "./oci:x");  // a prefix only at the start
  EXPECT_EQ(layout_dir("oci:"), "");
}

TEST(Layout, SameInputsGiveSameManifestDigest) {
  TempDir t1, t2;
  StoredRefs a = write_small_image(make_layout(t1.path()), ManifestFormat::oci, "x");
  StoredRefs b = write_small_image(make_layout(t2.path()), ManifestFormat::oci, "x");
  EXPECT_EQ(a.manifest.digest, b.manifest.digest);
  EXPECT_EQ(a.config.digest, b.config.digest);
}

TEST(Layout, ZstdNeedsOci) {
  TempDir t;
  Layout l = make_layout(t.path());
  StoredRefs z = write_small_image(l, ManifestFormat::oci, "z", layer::Compression::zstd);
  auto img = read_tag(l, "z");
  ASSERT_TRUE(img.ok());
  EXPECT_EQ(img->manifest.layers[0].media_type, image::media::kOciLayerZstd);
  image::ImageConfig cfg = img->config;
  LayoutStore store(l);
  auto refused = store_image(store, ManifestFormat::docker_v2, cfg, img->manifest.layers, {}, {"d"});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind(), ErrorKind::unsupported);
}

TEST(Layout, ConcurrentWritersKeepEveryTag) {
  TempDir t;
  Layout l = make_layout(t.path());
  std::vector<pid_t> kids;
  for (int k = 0; k < 2; ++k) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto child = Layout::open(t.path());
      if (!child.ok()) ::_exit(2);
      for (int i = 0; i < 25; ++i) {
        std::string body = "manifest-ish " + std::to_string(k) + "/" + std::to_string(i);
        auto d = child->put_blob(body, image::media::kOciManifest);
        if (!d.ok() || !child->tag("p" + std::to_string(k) + "-" + std::to_string(i), *d).ok()) ::_exit(3);
      }
      ::_exit(0);
    }
    kids.push_back(pid);
  }
  for (pid_t pid : kids) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child failed: " << status;
  }
  auto idx = l.list();
  ASSERT_TRUE(idx.ok()) << idx.error().message();
  EXPECT_EQ(idx->manifests.size(), 50u);
  for (int k = 0; k < 2; ++k)
    for (int i = 0; i < 25; ++i) EXPECT_TRUE(l.resolve("p" + std::to_string(k) + "-" + std::to_string(i)).ok());
}

TEST(Layout, KilledWriterLeavesValidLayout) {
  TempDir t;
  Layout l = make_layout(t.path());
  StoredRefs before = write_small_image(l, ManifestFormat::oci, "stable");
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto blob = l.blob_writer();
    layer::LayerOptions opts;
    opts.compression = {layer::Compression::gzip, 1, 1};
    auto w = layer::LayerWriter::create(opts, blob->get());
    std::mt19937_64 rng(7);
    layer::Entry e;
    e.path = "big/random.bin";
    e.size = std::uint64_t(8) << 30;  // far more than it will write before the kill
    (void)(*w)->add(e, [&](char* buf, size_t cap) -> Result<size_t> {
      for (size_t i = 0; i + 8 <= cap; i += 8) {
        std::uint64_t v = rng();
        std::memcpy(buf + i, &v, 8);
      }
      return cap - cap % 8;
    });
    ::_exit(0);
  }
  // Wait until the child has streamed a few MB into its temp blob.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  std::uintmax_t seen = 0;
  while (seen < (4u << 20) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::error_code ec;
    for (auto& f : fs::directory_iterator(t.path() / ".dlimage-tmp", ec)) seen = std::max(seen, f.file_size(ec));
  }
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child ended before it was killed";
  EXPECT_GE(seen, 4u << 20);

  auto reopened = Layout::open(t.path());
  ASSERT_TRUE(reopened.ok());
  auto valid = reopened->validate(true);
  EXPECT_TRUE(valid.ok()) << valid.error().message();
  EXPECT_EQ(reopened->resolve("stable")->digest, before.manifest.digest);
  EXPECT_FALSE(fs::is_empty(t.path() / ".dlimage-tmp"));
  ASSERT_TRUE(reopened->remove_stale_temp(std::chrono::seconds(0)).ok());
  EXPECT_TRUE(fs::is_empty(t.path() / ".dlimage-tmp"));
}

// --- Interoperability with umoci and skopeo (real tools, as root) ---------

TEST(LayoutInterop, UmociUnpacksOciImage) {
  if (!have("umoci")) GTEST_SKIP() << "umoci not installed (Debian package umoci)";
  if (::geteuid() != 0) GTEST_SKIP() << "umoci unpack needs root";
  TempDir t, bundle_parent;
  Layout l = make_layout(t.path() / "img");
  write_small_image(l, ManifestFormat::oci, "v1");
  fs::path bundle = bundle_parent.path() / "bundle";
  std::string out;
  int rc = run("umoci unpack --image '" + (t.path() / "img").string() + ":v1' '" + bundle.string() + "'", &out);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(*read_file(bundle / "rootfs/opt/app/hello.txt"), "hello world\n");
  struct stat st;
  ASSERT_EQ(::stat((bundle / "rootfs/opt/app/run.sh").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  ASSERT_EQ(::stat((bundle / "rootfs/opt/app/hello.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
  EXPECT_EQ(st.st_uid, 0u);
  EXPECT_EQ(fs::read_symlink(bundle / "rootfs/opt/app/latest"), "run.sh");
  struct stat hard;
  ASSERT_EQ(::stat((bundle / "rootfs/opt/app/hello-hard").c_str(), &hard), 0);
  EXPECT_EQ(hard.st_ino, st.st_ino) << "hardlink unpacked as a copy";
  EXPECT_EQ(*read_file(bundle / "rootfs" / kLongPath), "deep\n");
  EXPECT_EQ(*read_file(bundle / "rootfs/opt/app/caf\xc3\xa9.txt"), "utf-8 name\n");
  auto cfg = read_file(bundle / "config.json");
  ASSERT_TRUE(cfg.ok());
  EXPECT_NE(cfg->find("/opt/app/run.sh"), std::string::npos);
}

TEST(LayoutInterop, UmociRejectsDockerSchema2InLayout) {
  // Recorded behaviour (umoci 0.4.7): it only reads OCI media types, so a
  // layout meant for umoci must hold OCI manifests; Docker schema 2 is for
  // registry pushes to Docker 18.09 hosts.
  if (!have("umoci")) GTEST_SKIP() << "umoci not installed (Debian package umoci)";
  if (::geteuid() != 0) GTEST_SKIP() << "umoci unpack needs root";
  TempDir t, bundle_parent;
  Layout l = make_layout(t.path() / "img");
  write_small_image(l, ManifestFormat::docker_v2, "d1");
  std::string out;
  int rc = run(
      "umoci unpack --image '" + (t.path() / "img").string() + ":d1' '" + (bundle_parent.path() / "b").string() + "'",
      &out);
  EXPECT_NE(rc, 0) << "umoci now accepts Docker schema 2 in a layout; update docs/this test. Output: " << out;
}

TEST(LayoutInterop, SkopeoInspectsAndCopiesOciImage) {
  if (!have("skopeo")) GTEST_SKIP() << "skopeo not installed (Debian package skopeo)";
  TempDir t;
  Layout l = make_layout(t.path() / "src");
  StoredRefs refs = write_small_image(l, ManifestFormat::oci, "v1");
  std::string out;
  std::string src = "oci:" + (t.path() / "src").string() + ":v1";
  ASSERT_EQ(run("skopeo inspect --raw " + src, &out), 0) << out;
  EXPECT_EQ(Digest::of(out), refs.manifest.digest) << "skopeo must see our exact manifest bytes";
  ASSERT_EQ(run("skopeo inspect " + src, &out), 0) << out;
  EXPECT_NE(out.find("\"Digest\": \"" + refs.manifest.digest.str()), std::string::npos) << out;
  std::string dst = "oci:" + (t.path() / "dst").string() + ":copied";
  ASSERT_EQ(run("skopeo copy --preserve-digests " + src + " " + dst, &out), 0) << out;
  auto copied = Layout::open(t.path() / "dst");
  ASSERT_TRUE(copied.ok());
  auto img = read_tag(*copied, "copied");
  ASSERT_TRUE(img.ok()) << img.error().message();
  EXPECT_EQ(img->manifest_descriptor.digest, refs.manifest.digest);
  EXPECT_EQ(img->config_bytes, *l.read_blob(refs.config));
  EXPECT_TRUE(copied->validate().ok());
}

TEST(LayoutInterop, SkopeoIgnoresDockerSchema2InLayout) {
  // Recorded behaviour (skopeo 1.9.3): the oci: transport skips index
  // entries whose mediaType is not an OCI manifest/index.
  if (!have("skopeo")) GTEST_SKIP() << "skopeo not installed (Debian package skopeo)";
  TempDir t;
  Layout l = make_layout(t.path() / "src");
  write_small_image(l, ManifestFormat::docker_v2, "d1");
  std::string out;
  EXPECT_NE(run("skopeo inspect --raw oci:" + (t.path() / "src").string() + ":d1", &out), 0)
      << "skopeo now reads Docker schema 2 from a layout; update docs/this test. Output: " << out;
}

}  // namespace
}  // namespace dl::layout
