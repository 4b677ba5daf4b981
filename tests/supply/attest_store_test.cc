// Attestations through an ImageStore (an OCI layout here; a registry
// repository answers the same calls): attach writes BuildKit's index and
// the referrers, read_attestations finds both, the referrers tag keeps what
// other tools listed; the SBOM is the same bytes whatever order its inputs
// come in; purls are encoded as the purl spec says.
#include <gtest/gtest.h>

#include "base/fs.h"
#include "builder/attest/attach.h"
#include "builder/attest/sbom.h"
#include "builder/attest/statement.h"
#include "builder/layout/layout_store.h"

namespace dl::attest {
namespace {

std::unique_ptr<layout::LayoutStore> make_store(const fs::path& dir) {
  auto l = layout::Layout::open_or_create(dir);
  EXPECT_TRUE(l.ok());
  return std::make_unique<layout::LayoutStore>(std::move(*l));
}

image::Descriptor fake_image(layout::LayoutStore& s) {
  std::string config = "{}";
  auto cd = s.put_manifest(std::string(image::media::kOciConfig), config, "");  // any blob
  EXPECT_TRUE(cd.ok());
  std::string m =
      "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{"
      "\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" +
      Digest::of(config).str() + "\",\"size\":2},\"layers\":[]}";
  auto d = s.put_manifest(std::string(image::media::kOciManifest), m, "");
  EXPECT_TRUE(d.ok());
  return image::describe(image::media::kOciManifest, m);
}

TEST(AttestStore, BuildKitIndexAndReferrersAreFoundAndForeignReferrersKept) {
  TempDir t;
  auto store = make_store(t.path() / "oci");
  auto img = fake_image(*store);
  Statement sbom{std::string(kSpdxPredicate),
                 {{"pkg:docker/x:1?platform=linux%2Famd64", img.digest}},
                 {{"spdxVersion", "SPDX-2.3"}}};
  Statement prov{std::string(kSlsaPredicate), {{"x", img.digest}}, {{"buildDefinition", nlohmann::json::object()}}};
  auto a = attach(*store, Format::buildkit, img, {"amd64", "linux", "", "", {}},
                  {{sbom.predicate_type, serialize(sbom)}, {prov.predicate_type, serialize(prov)}});
  ASSERT_TRUE(a.ok()) << a.error().message();
  ASSERT_TRUE(store->tag("x:1", a->index.digest).ok());
  auto found = read_attestations(*store, "x:1");
  ASSERT_TRUE(found.ok()) << found.error().message();
  ASSERT_EQ(found->size(), 4u) << "two in the attestation manifest, two referrers";
  int spdx = 0;
  for (auto& f : *found) {
    spdx += f.predicate_type == kSpdxPredicate;
    auto st = parse_statement(f.statement, f.where);
    ASSERT_TRUE(st.ok()) << st.error().message();
    EXPECT_EQ(st->subjects.at(0).digest, img.digest);
  }
  EXPECT_EQ(spdx, 2);
  // By the image's own digest, only the referrers are found.
  auto by_digest = read_attestations(*store, img.digest.str());
  ASSERT_TRUE(by_digest.ok());
  EXPECT_EQ(by_digest->size(), 2u);

  // Another tool's referrer in the same referrers tag survives our merge.
  image::Descriptor foreign = image::describe(image::media::kOciManifest, "{\"foreign\":true}");
  ASSERT_TRUE(store->put_manifest(std::string(image::media::kOciManifest), "{\"foreign\":true}", "").ok());
  auto merged = merge_referrers_index(*store, img.digest, {foreign});
  ASSERT_TRUE(merged.ok()) << merged.error().message();
  auto again = merge_referrers_index(*store, img.digest, a->referrers);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->digest, merged->digest) << "ours were listed already: nothing rewritten";
  auto idx = store->get_manifest(referrers_tag(img.digest));
  ASSERT_TRUE(idx.ok());
  auto j = nlohmann::json::parse(idx->bytes);
  ASSERT_EQ(j["manifests"].size(), 3u);
  EXPECT_EQ(j["manifests"][2]["digest"], foreign.digest.str());
}

// The default: no index, no attestation manifest; the tag stays on the
// image and its statements are found through the referrers tag alone.
TEST(AttestStore, ReferrersOnlyLeaveTheImageTheOnlyManifestBehindItsTag) {
  TempDir t;
  auto store = make_store(t.path() / "oci");
  auto img = fake_image(*store);
  Statement sbom{std::string(kSpdxPredicate), {{"x", img.digest}}, {{"spdxVersion", "SPDX-2.3"}}};
  auto a =
      attach(*store, Format::referrers, img, {"amd64", "linux", "", "", {}}, {{sbom.predicate_type, serialize(sbom)}});
  ASSERT_TRUE(a.ok()) << a.error().message();
  EXPECT_TRUE(a->index.digest.empty());
  EXPECT_TRUE(a->attestation.digest.empty());
  ASSERT_EQ(a->referrers.size(), 1u);
  ASSERT_TRUE(store->tag("x:1", img.digest).ok());
  auto found = read_attestations(*store, "x:1");
  ASSERT_TRUE(found.ok()) << found.error().message();
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ(found->front().predicate_type, kSpdxPredicate);
  EXPECT_EQ(found->front().where, "referrer " + a->referrers.front().digest.str());
  auto head = store->head_manifest("x:1");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->digest, img.digest);
}

TEST(AttestFormat, NamesAndTyposWithTheNearest) {
  EXPECT_EQ(*parse_format("referrers"), Format::referrers);
  EXPECT_EQ(*parse_format("buildkit"), Format::buildkit);
  EXPECT_EQ(format_name(Format::buildkit), "buildkit");
  auto bad = parse_format("refferers");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("did you mean referrers?"), std::string::npos) << bad.error().message();
  EXPECT_FALSE(parse_format("").ok());
}

TEST(Sbom, SameBytesWhateverTheInputOrder) {
  ImageContents c;
  c.reference = "qingcloud/tensorflow:1.12-py27-cpu";
  c.base_reference = "docker.io/library/ubuntu:16.04";
  c.base_digest = Digest::of("base");
  c.created_epoch = 1700000000;
  c.tool = "dlimage-0.1.0";
  c.debs = {{"zlib1g", "1:1.2.8.dfsg-2ubuntu4", "amd64", "", "base"}, {"bash", "4.3-14ubuntu1", "amd64", "", "base"}};
  c.wheels = {
      {"numpy", "1.16.4", "numpy-1.16.4-cp27-cp27mu-linux_x86_64.whl", "https://x/n.whl", std::string(64, 'a'), "2.7"},
      {"Six", "1.12.0", "six-1.12.0-py2.py3-none-any.whl", "https://x/s.whl", std::string(64, 'b'), "2.7"}};
  c.artifacts = {{"caffe/caffe.tar.gz", "/opt/caffe", std::string(64, 'c')}};
  ImageContents r = c;
  std::reverse(r.debs.begin(), r.debs.end());
  std::reverse(r.wheels.begin(), r.wheels.end());
  auto a = spdx_document(c).dump(), b = spdx_document(r).dump();
  EXPECT_EQ(a, b);
  auto doc = spdx_document(c);
  EXPECT_EQ(doc["creationInfo"]["created"], "2023-11-14T22:13:20Z");
  EXPECT_EQ(doc["packages"][1]["name"], "docker.io/library/ubuntu:16.04");
  EXPECT_EQ(doc["packages"][2]["name"], "bash");
  EXPECT_EQ(doc["packages"][4]["name"], "Six");  // byte order: upper case first
  EXPECT_EQ(doc["packages"][5]["name"], "numpy");
  EXPECT_EQ(std::string(doc["documentNamespace"]).rfind("urn:uuid:", 0), 0u);
  c.wheels[0].sha256 = std::string(64, 'd');
  EXPECT_NE(spdx_document(c)["documentNamespace"], doc["documentNamespace"]) << "the namespace names the content";
}

TEST(Purl, EncodedAsTheSpecSays) {
  EXPECT_EQ(deb_purl("ubuntu", "zlib1g", "1:1.2.8.dfsg-2ubuntu4", "amd64"),
            "pkg:deb/ubuntu/zlib1g@1%3A1.2.8.dfsg-2ubuntu4?arch=amd64");
  EXPECT_EQ(deb_purl("debian", "libc6", "2.36-9+deb12u4", "amd64"), "pkg:deb/debian/libc6@2.36-9+deb12u4?arch=amd64");
  EXPECT_EQ(pypi_purl("Foo_Bar.baz", "1.0rc1"), "pkg:pypi/foo-bar-baz@1.0rc1");
  EXPECT_EQ(oci_purl("docker.io/nvidia/cuda:9.1-cudnn7-devel-ubuntu16.04", Digest::of("x")),
            "pkg:oci/cuda@sha256%3A" + Digest::of("x").hex + "?repository_url=docker.io%2Fnvidia%2Fcuda");
}

}  // namespace
}  // namespace dl::attest
