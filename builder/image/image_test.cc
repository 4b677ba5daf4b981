#include <gtest/gtest.h>

#include "builder/image/image_config.h"
#include "builder/image/manifest.h"

namespace dl::image {
namespace {

Digest d(char c) { return Digest{"sha256", std::string(64, c)}; }

ImageConfig sample_config() {
  ImageConfig c;
  c.set_created(0);
  c.config.cmd = {"python3"};
  c.config.working_dir = "/root";
  c.config.labels = {{"b", "2"}, {"a", "1"}};
  c.config.exposed_ports = {"8888/tcp"};
  c.set_env("PATH", "/usr/bin");
  c.set_env("LANG", "C.UTF-8");
  c.set_env("PATH", "/opt/conda/bin:/usr/bin");
  c.add_layer(d('a'), "base", 0);
  c.add_layer(d('b'), "wheels: tensorflow 1.12", 0, "dlimage");
  c.add_empty_history("ENV LANG", 0);
  return c;
}

TEST(ImageConfig, CanonicalAndStable) {
  auto a = serialize(sample_config());
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, *serialize(sample_config()));
  EXPECT_EQ(a->find(' '), a->find("wheels: ") + 7) << "the only space is inside a value";
  EXPECT_LT(a->find("\"architecture\""), a->find("\"config\""));
  EXPECT_NE(a->find("\"created\":\"1970-01-01T00:00:00Z\""), std::string::npos) << *a;
  EXPECT_NE(a->find("\"Env\":[\"PATH=/opt/conda/bin:/usr/bin\",\"LANG=C.UTF-8\"]"), std::string::npos) << *a;
  EXPECT_NE(a->find("\"ExposedPorts\":{\"8888/tcp\":{}}"), std::string::npos);
  EXPECT_NE(a->find("\"Labels\":{\"a\":\"1\",\"b\":\"2\"}"), std::string::npos);
  EXPECT_NE(a->find("\"rootfs\":{\"diff_ids\":[\"sha256:aaaa"), std::string::npos);
}

TEST(ImageConfig, RoundTripKeepsUnknownKeys) {
  std::string docker = R"J({
    "architecture": "amd64", "os": "linux", "docker_version": "18.09.1",
    "config": {"Hostname": "", "Env": ["PATH=/bin"], "Cmd": null, "Entrypoint": ["/bin/sh"], "OnBuild": null,
               "Labels": {"maintainer": "x"}},
    "container_config": {"Cmd": ["/bin/sh", "-c", "#(nop)"]},
    "rootfs": {"type": "layers", "diff_ids": ["sha256:)J" +
                       std::string(64, 'c') + R"J("]},
    "history": [{"created": "2018-01-01T00:00:00Z", "created_by": "ADD file"}]})J";
  auto c = parse_config(docker, "base.json");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->env("PATH"), "/bin");
  EXPECT_EQ(c->config.entrypoint, std::vector<std::string>{"/bin/sh"});
  EXPECT_TRUE(c->config.cmd.empty());
  EXPECT_EQ(c->diff_ids.size(), 1u);
  EXPECT_EQ(c->extra.count("docker_version"), 1u);
  EXPECT_EQ(c->config.extra.count("Hostname"), 1u);
  auto out = serialize(*c);
  ASSERT_TRUE(out.ok());
  EXPECT_NE(out->find("\"container_config\":{\"Cmd\":[\"/bin/sh\",\"-c\",\"#(nop)\"]}"), std::string::npos) << *out;
  auto again = parse_config(*out, "round");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*serialize(*again), *out);
}

TEST(ImageConfig, ErrorsNamePathAndExpectation) {
  auto bad = parse_config(R"({"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["md5:x"]}})",
                          "cfg.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("cfg.json: rootfs.diff_ids[0]"), std::string::npos) << bad.error().message();
  auto wrong =
      parse_config(R"({"architecture":"amd64","os":"linux","config":{"Env":"A=1"},"rootfs":{"type":"layers"}})", "c2");
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message().find("c2: config.Env: expected an array of strings, got string"), std::string::npos)
      << wrong.error().message();
  auto syntax = parse_config("{\n  \"os\": linux\n}", "c3.json");
  ASSERT_FALSE(syntax.ok());
  EXPECT_NE(syntax.error().message().find("c3.json:2:"), std::string::npos) << syntax.error().message();
}

TEST(Manifest, DockerAndOciBuildAndParse) {
  std::string cfg = *serialize(sample_config());
  Descriptor config = describe("", cfg);
  Descriptor layer{std::string(media::kOciLayerGzip), d('e'), 1234, {}, {}, {}};
  ImageMetadata meta;
  meta.version = "1.12";
  meta.base_digest = d('f');
  auto docker = build_manifest(ManifestFormat::docker_v2, config, {layer}, oci_annotations(meta));
  ASSERT_TRUE(docker.ok());
  EXPECT_EQ(docker->layers[0].media_type, media::kDockerLayerGzip);
  EXPECT_EQ(docker->config.media_type, media::kDockerConfig);
  auto dj = serialize(*docker);
  ASSERT_TRUE(dj.ok());
  EXPECT_EQ(dj->find("annotations"), std::string::npos);
  auto parsed = parse_document(*dj, "m.json");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(parsed->kind, Document::Kind::manifest);
  EXPECT_EQ(parsed->manifest.format, ManifestFormat::docker_v2);
  EXPECT_EQ(*serialize(parsed->manifest), *dj);

  auto oci = build_manifest(ManifestFormat::oci, config, {layer}, oci_annotations(meta));
  ASSERT_TRUE(oci.ok());
  auto oj = *serialize(*oci);
  EXPECT_NE(oj.find("\"org.opencontainers.image.created\":\"1970-01-01T00:00:00Z\""), std::string::npos);
  EXPECT_NE(oj.find("\"org.opencontainers.image.base.digest\":\"sha256:ffff"), std::string::npos);
  auto po = parse_manifest(oj, "o.json", media::kOciManifest);
  ASSERT_TRUE(po.ok());
  EXPECT_EQ(po->annotations.at("org.opencontainers.image.version"), "1.12");
  EXPECT_EQ(po->layers, oci->layers);

  Descriptor zstd = layer;
  zstd.media_type = media::kOciLayerZstd;
  auto refused = build_manifest(ManifestFormat::docker_v2, config, {layer, zstd});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("layer 1"), std::string::npos) << refused.error().message();
  EXPECT_NE(refused.error().message().find("--format oci"), std::string::npos);
  EXPECT_FALSE(layer_media_type(ManifestFormat::docker_v2, layer::Compression::zstd).ok());
}

TEST(Manifest, IndexesAndListsParse) {
  Index idx;
  Descriptor m{std::string(media::kOciManifest),      d('1'), 500, {}, {{std::string(annotation::kRefName), "v1"}},
               Platform{"amd64", "linux", "", "", {}}};
  idx.manifests = {m};
  auto text = serialize(idx);
  ASSERT_TRUE(text.ok());
  auto doc = parse_document(*text, "index.json");
  ASSERT_TRUE(doc.ok());
  ASSERT_EQ(doc->kind, Document::Kind::index);
  EXPECT_EQ(doc->index.manifests, idx.manifests);

  std::string list = R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json",
    "manifests":[{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","size":7,
    "digest":"sha256:)" +
                     std::string(64, '2') + R"(","platform":{"architecture":"arm64","os":"linux","variant":"v8"}}]})";
  auto l = parse_index(list, "list");
  ASSERT_TRUE(l.ok()) << l.error().message();
  EXPECT_EQ(l->format, ManifestFormat::docker_v2);
  EXPECT_EQ(l->manifests[0].platform->variant, "v8");
}

TEST(Manifest, ValidationMessages) {
  auto v1 = parse_manifest(R"({"schemaVersion":1,"name":"x"})", "reg/x:1");
  ASSERT_FALSE(v1.ok());
  EXPECT_NE(v1.error().message().find("schemaVersion: expected 2"), std::string::npos) << v1.error().message();
  auto mismatch = parse_manifest(
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]})", "reg/x:2");
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.error().message().find("expected application/vnd.oci.image.manifest.v1+json"), std::string::npos);
  auto size = parse_manifest(R"({"schemaVersion":2,"config":{"mediaType":"a","digest":"sha256:)" +
                                 std::string(64, '0') + R"(","size":"12"},"layers":[]})",
                             "m");
  ASSERT_FALSE(size.ok());
  EXPECT_NE(size.error().message().find("m: config.size: expected an integer, got string"), std::string::npos)
      << size.error().message();
  auto ct = parse_manifest(R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"})", "m",
                           media::kDockerManifest);
  ASSERT_FALSE(ct.ok());
  EXPECT_NE(ct.error().message().find("does not match the content type"), std::string::npos);
}

TEST(CanonicalJson, SortsAndStrips) {
  auto c = canonical_json("{ \"b\" : [1, 2], \"a\": {\"z\":null, \"y\": \"\xc3\xa9\"} }", "x");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c, "{\"a\":{\"y\":\"\xc3\xa9\",\"z\":null},\"b\":[1,2]}");
  ImageConfig bad;
  bad.config.labels["k"] = "\xff";
  EXPECT_FALSE(serialize(bad).ok());
}

}  // namespace
}  // namespace dl::image
