// The one label table, both ways, over every cell of the shipped matrix.
#include "builder/pipeline/image_labels.h"

#include <gtest/gtest.h>

#include <string>

#include "builder/pipeline/build.h"

namespace dl::pipeline {
namespace {

LabelledImage labelled(const matrix::Cell& c) { return {c, "", "gzip-6-zlib", "sha256:r", "sha256:l"}; }

TEST(ImageLabels, EveryShippedCellRoundTrips) {
  BuildOptions o;
  o.matrix_file = std::string(DL_SOURCE_DIR) + "/matrix.yaml";
  auto m = load_matrix(o);
  ASSERT_TRUE(m.ok()) << m.error().message();
  ASSERT_FALSE(m->cells.empty());
  for (const auto& c : m->cells) {
    auto labels = labels_of(labelled(c));
    auto back = from_labels(labels);
    ASSERT_TRUE(back.has_value()) << c.ref();
    EXPECT_EQ(back->primary_tag, c.tags.front());
    const matrix::Cell& b = back->cell;
    EXPECT_EQ(b.id, c.id);
    EXPECT_EQ(b.repo, c.repo);
    EXPECT_EQ(b.framework, c.framework);
    EXPECT_EQ(b.version, c.version);
    EXPECT_EQ(b.python, c.python);
    EXPECT_EQ(b.pythons, c.pythons);
    EXPECT_EQ(b.accelerator.key, c.accelerator.key);
    EXPECT_EQ(b.accelerator.kind, c.accelerator.kind);
    EXPECT_EQ(b.accelerator.cuda, c.accelerator.cuda);
    EXPECT_EQ(b.accelerator.cudnn, c.accelerator.cudnn);
    EXPECT_EQ(b.accelerator.rocm, c.accelerator.rocm);
    EXPECT_EQ(b.isa.key, c.isa.key);
    EXPECT_EQ(b.isa.features, c.isa.features);
    EXPECT_EQ(b.isa.rank, c.isa.rank);
    EXPECT_EQ(b.base.os, c.base.os);
    EXPECT_EQ(b.base.arch, c.base.arch);
    EXPECT_EQ(back->compression, "gzip-6-zlib");
    EXPECT_EQ(back->recipe_digest, "sha256:r");
    EXPECT_EQ(back->lock_digest, "sha256:l");
    // Written back, the labels are the same labels.
    EXPECT_EQ(labels_of(*back), labels) << c.ref();
  }
}

TEST(ImageLabels, TheSchemaIsTheTable) {
  matrix::Cell c;
  c.tags = {"t"};
  c.accelerator.cuda = "9.1";
  auto labels = labels_of({c, "", "", "", ""});
  // Optional rows are left out when empty: no cudnn, rocm or lock digest.
  for (auto& k : label_keys()) {
    bool optional = k.ends_with(".cudnn") || k.ends_with(".rocm") || k.ends_with(".lock.digest");
    EXPECT_EQ(labels.count(k), optional ? 0u : 1u) << k;
  }
  EXPECT_EQ(labels.size(), label_keys().size() - 3);
  EXPECT_EQ(labels.at(kRecipeDigestLabel), "");
  EXPECT_EQ(labels.at("io.qingcloud.dlimage.cuda"), "9.1");
}

TEST(ImageLabels, ForeignImagesAreNotCells) {
  EXPECT_FALSE(from_labels({}).has_value());
  EXPECT_FALSE(from_labels({{"maintainer", "someone"}, {"io.qingcloud.dlimage.framework", "x"}}).has_value());
  auto old = from_labels({{"io.qingcloud.dlimage.cell", "c1"}, {"io.qingcloud.dlimage.isa.features", "avx avx2"}});
  ASSERT_TRUE(old.has_value());
  EXPECT_EQ(old->cell.isa.rank, 2) << "no rank label: ranked by feature count";
  EXPECT_TRUE(old->cell.base.os.empty()) << "no platform label: the caller reads the config's";
}

}  // namespace
}  // namespace dl::pipeline
