// The interpreter check over real layer blobs in a real OCI layout.
#include <gtest/gtest.h>

#include "base/fs.h"
#include "builder/layer/layer_writer.h"
#include "builder/pipeline/interpreter_check.h"

namespace dl::pipeline {
namespace {

image::Descriptor put_layer(const layout::Layout& l, const std::function<void(layer::LayerWriter&)>& fill) {
  auto blob = l.blob_writer().value();
  layer::LayerOptions lo;
  auto w = layer::LayerWriter::create(lo, blob.get()).value();
  fill(*w);
  auto info = w->finish().value();
  return blob->descriptor(info.oci_media_type());
}

layer::Entry link(const std::string& path, const std::string& target) {
  layer::Entry e;
  e.path = path;
  e.type = layer::EntryType::symlink;
  e.link_target = target;
  return e;
}

matrix::Cell cell(const std::string& py, const std::string& interpreter) {
  matrix::Cell c;
  c.repo = "qingcloud/tensorflow";
  c.tags = {"1.12-py-cpu"};
  c.pythons = {py};
  c.base.ref = "ubuntu:16.04";
  c.base.pythons = {{py, "cp", interpreter, "usr/local/lib/python" + py + "/dist-packages"}};
  return c;
}

TEST(InterpreterCheck, FollowsSymlinksInsideTheTreeAndChecksTheVersion) {
  TempDir dir("dl-interp");
  auto l = layout::Layout::open_or_create(dir.path() / "oci").value();
  auto base = put_layer(l, [](layer::LayerWriter& w) {
    ASSERT_TRUE(w.add(link("bin", "usr/bin")).ok());
    ASSERT_TRUE(w.add_bytes("usr/bin/python3.11", "ELF", 0755).ok());
    ASSERT_TRUE(w.add(link("usr/bin/python3", "python3.11")).ok());
    ASSERT_TRUE(w.add(link("usr/bin/python3.6", "/../../usr/bin/python3")).ok());
    ASSERT_TRUE(w.add_bytes("usr/bin/python2.7", "ELF", 0755).ok());
  });
  auto gone = put_layer(l, [](layer::LayerWriter& w) { ASSERT_TRUE(w.add_whiteout("usr/bin/python2.7").ok()); });
  std::vector<TreeLayer> layers = {{base, true}, {gone, true}};
  EXPECT_TRUE(verify_interpreters(l, cell("3.11", "/usr/bin/python3"), layers).ok());
  EXPECT_TRUE(verify_interpreters(l, cell("3.11", "/bin/python3"), layers).ok());  // through bin -> usr/bin
  auto wrong = verify_interpreters(l, cell("3.6", "/usr/bin/python3.6"), layers);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().message(),
            "qingcloud/tensorflow:1.12-py-cpu: Python 3.6 interpreter /usr/bin/python3.6 is /usr/bin/python3.11, "
            "which is Python 3.11 (base ubuntu:16.04)");
  auto missing = verify_interpreters(l, cell("2.7", "/usr/bin/python2.7"), layers);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message(),
            "qingcloud/tensorflow:1.12-py-cpu: Python 2.7 interpreter /usr/bin/python2.7: does not exist in the image "
            "(base ubuntu:16.04)");
  // Without the whiteout layer it is there.
  EXPECT_TRUE(verify_interpreters(l, cell("2.7", "/usr/bin/python2.7"), {{base, true}}).ok());
}

TEST(InterpreterCheck, VersionFromFileName) {
  EXPECT_EQ(interpreter_version("python3.11"), "3.11");
  EXPECT_EQ(interpreter_version("python3.6m"), "3.6");
  EXPECT_EQ(interpreter_version("python2.7"), "2.7");
  EXPECT_EQ(interpreter_version("python3"), "");
  EXPECT_EQ(interpreter_version("bash"), "");
}

}  // namespace
}  // namespace dl::pipeline
