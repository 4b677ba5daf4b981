// dlimage copy between OCI layouts and a real registry, in every direction,
// checked with skopeo where installed.
#include "builder/copy/copy.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "builder/layout/layout_store.h"
#include "builder/layout/store_image.h"
#include "registry/client/test_image_test_util.h"
#include "tests/support/process.h"
#include "tests/support/registry_fixture.h"
#include "tests/support/registry_test.h"

namespace dl::copy {
namespace {

class CopyTest : public test::PlainRegistryTest {
 protected:
  void SetUp() override {
    test::PlainRegistryTest::SetUp();
    if (setup_stopped()) return;
    registry::SessionOptions o;
    o.plain_http = {reg_->host()};
    o.jobs = 3;
    auto s = registry::Session::open(o);
    ASSERT_TRUE(s.ok()) << s.error().message();
    session_ = std::move(*s);
  }
  Endpoint ep(const std::string& text) {
    auto e = parse_endpoint(text);
    EXPECT_TRUE(e.ok()) << e.error().message();
    return *e;
  }
  std::string docker(const std::string& repo_tag) { return "docker://" + reg_->host() + "/" + repo_tag; }

  // An OCI layout with an index (one platform manifest) tagged `tag`.
  void make_layout(const fs::path& dir, const std::string& tag, std::string* index_bytes) {
    auto l = layout::Layout::open_or_create(dir);
    ASSERT_TRUE(l.ok()) << l.error().message();
    auto img = registry::testing::make_image("copied\n", true);
    for (const auto& b : img.blobs()) {
      auto r = b->open(0);
      ASSERT_TRUE(r.ok());
      std::string bytes(b->size(), '\0');
      ASSERT_TRUE((*r)(bytes.data(), bytes.size()).ok());
      ASSERT_TRUE(l->put_blob(bytes, b->media_type()).ok());
    }
    auto m = l->put_blob(img.manifest, img.media_type);
    ASSERT_TRUE(m.ok());
    *index_bytes =
        R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":")" +
        img.media_type + R"(","digest":")" + m->digest.str() + R"(","size":)" + std::to_string(m->size) +
        R"(,"platform":{"architecture":"amd64","os":"linux"}}]})";
    auto idx = l->put_blob(*index_bytes, "application/vnd.oci.image.index.v1+json");
    ASSERT_TRUE(idx.ok());
    ASSERT_TRUE(l->tag(tag, *idx).ok());
  }

  std::unique_ptr<registry::Session> session_;
};

TEST_F(CopyTest, EndpointsParse) {
  auto a = parse_endpoint("oci:/tmp/x:v1");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->kind, Endpoint::Kind::layout);
  EXPECT_EQ(a->layout.dir, "/tmp/x");
  EXPECT_EQ(a->layout.ref_name, "v1");
  EXPECT_EQ(parse_endpoint("oci:/tmp/x")->layout.ref_name, "latest");
  auto d = parse_endpoint("docker://ubuntu");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->ref.str(), "docker.io/library/ubuntu:latest");
  auto bad = parse_endpoint("ubuntu");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("expected oci:DIR[:TAG] or docker://REFERENCE"), std::string::npos);
  EXPECT_FALSE(parse_endpoint("docker://Foo/bar").ok());
}

TEST_F(CopyTest, LayoutToRegistryToRegistryToLayout) {
  TempDir tmp;
  std::string index_bytes;
  make_layout(tmp.path() / "src", "v1", &index_bytes);
  ASSERT_FALSE(HasFatalFailure());
  Digest index_digest = Digest::of(index_bytes);

  auto up = copy_image(*session_, ep("oci:" + (tmp.path() / "src").string() + ":v1"), ep(docker("team/app:v1")));
  ASSERT_TRUE(up.ok()) << up.error().message();
  EXPECT_EQ(up->digest, index_digest);
  EXPECT_EQ(up->manifests, 2u);
  EXPECT_EQ(up->blobs, 2u);
  EXPECT_EQ(up->blobs_copied, 2u);

  auto again = copy_image(*session_, ep("oci:" + (tmp.path() / "src").string() + ":v1"), ep(docker("team/app:v1")));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->blobs_existing, 2u);
  EXPECT_EQ(again->blobs_copied, 0u);

  auto across = copy_image(*session_, ep(docker("team/app:v1")), ep(docker("other/app:v2")));
  ASSERT_TRUE(across.ok()) << across.error().message();
  EXPECT_EQ(across->digest, index_digest);
  EXPECT_EQ(across->blobs_mounted, 2u);
  EXPECT_EQ(across->bytes, 0u);

  fs::path back = tmp.path() / "back";
  auto down = copy_image(*session_, ep(docker("other/app:v2")), ep("oci:" + back.string() + ":v2"));
  ASSERT_TRUE(down.ok()) << down.error().message();
  EXPECT_EQ(down->blobs_copied, 2u);
  auto l = layout::Layout::open(back);
  ASSERT_TRUE(l.ok());
  auto resolved = l->resolve("v2");
  ASSERT_TRUE(resolved.ok());
  EXPECT_EQ(resolved->digest, index_digest);
  EXPECT_TRUE(l->validate(true).ok());
  layout::LayoutStore back_store(*l);
  auto image = layout::read_image(back_store, "v2");
  ASSERT_TRUE(image.ok()) << image.error().message();

  auto ll = copy_image(*session_, ep("oci:" + back.string() + ":v2"), ep("oci:" + (tmp.path() / "third").string()));
  ASSERT_TRUE(ll.ok()) << ll.error().message();
  EXPECT_EQ(ll->blobs_mounted, 2u) << "layout to layout on one filesystem: hard links";
  EXPECT_EQ(ll->bytes, 0u);

  std::string skopeo = test::find_program("skopeo");
  if (skopeo.empty()) GTEST_SKIP() << "skopeo not installed (Debian package skopeo)";
  auto insp = test::run({skopeo, "inspect", "--raw", "--tls-verify=false", docker("other/app:v2").substr(0)});
  ASSERT_TRUE(insp.ok() && insp->ok()) << (insp.ok() ? insp->describe() : insp.error().message());
  EXPECT_EQ(insp->out, index_bytes);
  auto sk = test::run(
      {skopeo, "copy", "--src-tls-verify=false", docker("other/app:v2"), "oci:" + (tmp.path() / "sk").string() + ":x"});
  ASSERT_TRUE(sk.ok() && sk->ok()) << (sk.ok() ? sk->describe() : sk.error().message());
}

TEST_F(CopyTest, MissingSourceNamesIt) {
  auto r = copy_image(*session_, ep(docker("nope/nothing:v1")), ep(docker("x/y:v1")));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("reading docker://" + reg_->host() + "/nope/nothing:v1"), std::string::npos)
      << r.error().message();
  EXPECT_EQ(r.error().kind(), ErrorKind::not_found);
}

}  // namespace
}  // namespace dl::copy
