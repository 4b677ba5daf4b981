// verify and the up-to-date check of a push confirm every blob a manifest
// names: a registry that lost a layer does not verify, and the next push
// puts the layer back. A registry that answers 201 and stores nothing fails
// the push.
#include <gtest/gtest.h>

#include "builder/layout/layout_store.h"
#include "builder/pipeline/blob_check.h"
#include "builder/pipeline/push.h"
#include "registry/client/test_image_test_util.h"
#include "registry/session/session.h"
#include "tests/support/hostile_server.h"
#include "tests/support/registry_test.h"

namespace dl::pipeline {
namespace {

namespace fs = std::filesystem;

class PushIntegrity : public test::PlainRegistryTest {
 protected:
  void SetUp() override {
    test::PlainRegistryTest::SetUp();
    if (setup_stopped()) return;
    open(reg_->host());
  }
  void open(const std::string& host) {
    registry::SessionOptions o;
    o.plain_http = {host};
    auto s = registry::Session::open(o);
    ASSERT_TRUE(s.ok()) << s.error().message();
    session_ = std::move(*s);
  }
  // One image in an OCI layout, as a built cell pushing to HOST/team/app:v1.
  CellResult make_cell(const std::string& host) {
    auto l = layout::Layout::open_or_create(dir_.path() / "out");
    EXPECT_TRUE(l.ok());
    layout_ = std::make_unique<layout::LayoutStore>(std::move(*l));
    auto img = registry::testing::make_image("integrity\n", true);
    for (const auto& b : img.blobs()) {
      auto r = b->open(0);
      std::string bytes(b->size(), '\0');
      EXPECT_TRUE((*r)(bytes.data(), bytes.size()).ok());
      EXPECT_TRUE(layout_->layout().put_blob(bytes, b->media_type()).ok());
    }
    layer_ = img.layer->digest();
    auto m = layout_->layout().put_blob(img.manifest, img.media_type);
    EXPECT_TRUE(m.ok());
    CellResult cr;
    cr.cell.repo = host + "/team/app";
    cr.cell.tags = {"v1"};
    cr.manifest = *m;
    return cr;
  }
  TempDir dir_;
  std::unique_ptr<registry::Session> session_;
  std::unique_ptr<layout::LayoutStore> layout_;
  Digest layer_;
};

TEST_F(PushIntegrity, ALostLayerFailsVerifyAndIsPushedAgain) {
  CellResult cr = make_cell(reg_->host());
  auto first = push_cells(*layout_, {cr}, session_->client());
  ASSERT_TRUE(first.ok()) << first.error().message();
  ASSERT_TRUE(first->failures.empty()) << first->failures[0].error;
  EXPECT_EQ(first->manifests_put, 1u);
  auto clean = verify_cells({cr}, session_->client());
  ASSERT_TRUE(clean.ok()) << clean.error().message();
  EXPECT_TRUE(clean->empty());

  // The registry loses the layer (its storage is damaged or pruned).
  fs::path blob =
      fs::path(reg_->storage_dir()) / "docker/registry/v2/blobs/sha256" / layer_.hex.substr(0, 2) / layer_.hex;
  ASSERT_TRUE(fs::exists(blob)) << blob;
  fs::remove_all(blob);

  auto bad = verify_cells({cr}, session_->client());
  ASSERT_TRUE(bad.ok()) << bad.error().message();
  ASSERT_EQ(bad->size(), 1u) << "the tag points at the right digest, but a layer is gone";
  EXPECT_EQ((*bad)[0].blob, layer_.str() + " missing");

  auto again = push_cells(*layout_, {cr}, session_->client());
  ASSERT_TRUE(again.ok()) << again.error().message();
  ASSERT_TRUE(again->failures.empty()) << again->failures[0].error;
  EXPECT_EQ(again->cells_skipped, 0u) << "a push with a lost layer is not up to date";
  EXPECT_EQ(again->blobs_uploaded, 1u);
  auto fixed = verify_cells({cr}, session_->client());
  ASSERT_TRUE(fixed.ok());
  EXPECT_TRUE(fixed->empty());

  // Now really up to date: skipped, nothing uploaded.
  auto noop = push_cells(*layout_, {cr}, session_->client());
  ASSERT_TRUE(noop.ok());
  EXPECT_EQ(noop->cells_skipped, 1u);
}

TEST_F(PushIntegrity, ARegistryThatStoresNothingNeitherPushesNorVerifies) {
  test::HostileServer fake(test::registry_that_stores_nothing());
  open(fake.host());
  CellResult cr = make_cell(fake.host());
  auto pushed = push_cells(*layout_, {cr}, session_->client());
  ASSERT_TRUE(pushed.ok()) << pushed.error().message();
  ASSERT_EQ(pushed->failures.size(), 1u) << "201 without storing passed for a push";
  EXPECT_EQ(pushed->manifests_put, 0u) << "a manifest went up before its blobs were really there";
  EXPECT_NE(pushed->failures[0].error.find("does not have it afterwards"), std::string::npos)
      << pushed->failures[0].error;
  // Even with the manifest in place (a registry that kept only that), the
  // tag does not verify.
  registry::Reference ref = *registry::parse_reference(cr.cell.ref());
  auto bytes = layout_->layout().read_blob(cr.manifest);
  ASSERT_TRUE(bytes.ok());
  ASSERT_TRUE(session_->client().put_manifest(ref, cr.manifest.media_type, *bytes).ok());
  auto v = verify_cells({cr}, session_->client());
  ASSERT_TRUE(v.ok()) << v.error().message();
  EXPECT_EQ(v->size(), 2u) << "the config and the layer are both missing";
}

}  // namespace
}  // namespace dl::pipeline
