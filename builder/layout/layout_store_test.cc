// The OCI layout through the ImageStore interface: the same calls a
// registry repository answers (registry/client/registry_store.h).
#include "builder/layout/layout_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <sys/stat.h>

#include "builder/image/manifest.h"
#include "builder/layout/store_image.h"

namespace dl::layout {
namespace {

std::unique_ptr<LayoutStore> make_store(const fs::path& dir) {
  auto l = Layout::open_or_create(dir);
  EXPECT_TRUE(l.ok()) << l.error().message();
  return std::make_unique<LayoutStore>(std::move(*l));
}

std::shared_ptr<store::BlobSource> source(LayoutStore& s, const image::Descriptor& d) {
  auto b = s.open_blob({d.media_type, d.digest, std::uint64_t(d.size)});
  EXPECT_TRUE(b.ok()) << b.error().message();
  return *b;
}

TEST(LayoutStore, BlobsAreHardLinkedBetweenLayoutsOrStreamed) {
  TempDir t;
  auto a = make_store(t.path() / "a");
  auto b = make_store(t.path() / "b");
  auto d = a->layout().put_blob(std::string(100000, 'q'), image::media::kOciLayer);
  ASSERT_TRUE(d.ok());
  ASSERT_TRUE(b->put_blobs({source(*a, *d)}).ok());
  EXPECT_EQ(b->counts().mounted, 1u);
  struct stat sa {
  }, sb{};
  ASSERT_EQ(::stat(a->layout().blob_path(d->digest).c_str(), &sa), 0);
  ASSERT_EQ(::stat(b->layout().blob_path(d->digest).c_str(), &sb), 0);
  EXPECT_EQ(sa.st_ino, sb.st_ino) << "same filesystem: one inode, no bytes copied";
  ASSERT_TRUE(b->put_blobs({source(*a, *d)}).ok());
  EXPECT_EQ(b->counts().existing, 1u) << "second copy is a no-op";
  EXPECT_EQ(*b->layout().read_blob(*d, 1 << 20), std::string(100000, 'q'));
  // Across filesystems (tmpfs) the blob is streamed and verified instead.
  ASSERT_TRUE(fs::is_directory("/dev/shm"));
  fs::path other = fs::path("/dev/shm") / ("dl-layout-test-" + std::to_string(::getpid()));
  {
    auto shm = make_store(other);
    ASSERT_TRUE(shm->put_blobs({source(*a, *d)}).ok());
    EXPECT_EQ(shm->counts().copied, 1u);
    EXPECT_EQ(shm->counts().bytes, 100000u);
    EXPECT_EQ(*shm->layout().read_blob(*d, 1 << 20), std::string(100000, 'q'));
  }
  fs::remove_all(other);
  auto wrong = a->open_blob({d->media_type, d->digest, std::uint64_t(d->size) + 1});
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().kind(), ErrorKind::integrity);
}

TEST(LayoutStore, StreamedBlobsAreVerified) {
  TempDir t;
  auto s = make_store(t.path());
  auto liar = store::memory_blob("not what the digest says");
  struct Lying : store::BlobSource {
    std::shared_ptr<store::BlobSource> inner;
    Digest digest() const override { return Digest::of("something else"); }
    uint64_t size() const override { return inner->size(); }
    Result<store::BodyReader> open(uint64_t o) const override { return inner->open(o); }
  };
  auto lying = std::make_shared<Lying>();
  lying->inner = liar;
  auto st = s->put_blobs({lying});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind(), ErrorKind::integrity);
  EXPECT_FALSE(s->layout().has_blob(Digest::of("something else")));
}

TEST(LayoutStore, ManifestsTagsAndList) {
  TempDir t;
  auto s = make_store(t.path());
  auto cfg = image::ImageConfig{};
  cfg.set_created(0);
  auto stored = store_image(*s, image::ManifestFormat::oci, cfg, {}, {}, {"v1", "latest"});
  ASSERT_TRUE(stored.ok()) << stored.error().message();
  auto tags = s->list();
  ASSERT_TRUE(tags.ok());
  EXPECT_EQ(*tags, (std::vector<std::string>{"v1", "latest"}));
  auto by_tag = s->get_manifest("v1");
  ASSERT_TRUE(by_tag.ok());
  EXPECT_EQ(by_tag->digest, stored->manifest.digest);
  auto by_digest = s->get_manifest(stored->manifest.digest.str());
  ASSERT_TRUE(by_digest.ok()) << by_digest.error().message();
  EXPECT_EQ(by_digest->media_type, image::media::kOciManifest) << "a bare blob's media type comes from its bytes";
  ASSERT_TRUE(s->tag("v2", stored->manifest.digest).ok());
  EXPECT_EQ(s->head_manifest("v2")->digest, stored->manifest.digest);
  auto missing = s->head_manifest("nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(store::is_not_found(missing.error()));
  auto img = read_image(*s, "v2");
  ASSERT_TRUE(img.ok()) << img.error().message();
  EXPECT_EQ(img->manifest_descriptor.digest, stored->manifest.digest);
  auto unstored = store_image(*s, image::ManifestFormat::oci, cfg, {}, {}, {});
  EXPECT_TRUE(unstored.ok()) << "an image with no tags is stored by digest";
}

}  // namespace
}  // namespace dl::layout
