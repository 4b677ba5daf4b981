// The client against a real Distribution registry (plain HTTP), validated
// with skopeo and umoci where they are installed.
#include "registry/client/client.h"

#include <gtest/gtest.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "net/tiny_server_test_util.h"
#include "registry/client/test_image_test_util.h"
#include "tests/support/process.h"
#include "tests/support/registry_fixture.h"
#include "tests/support/registry_test.h"

namespace dl::registry {

using net::HttpClient;
using net::TinyServer;
using net::TransportOptions;
namespace {

using testing::make_image;
using testing::noise;

class ClientTest : public test::PlainRegistryTest {
 protected:
  void SetUp() override {
    test::PlainRegistryTest::SetUp();
    if (setup_stopped()) return;
    ASSERT_TRUE(hosts_.add_plain_http(reg_->host()).ok());
    TransportOptions t;
    t.log = [this](const std::string& l) {
      std::lock_guard<std::mutex> lk(log_mu_);
      log_.push_back(l);
    };
    http_ = std::make_unique<HttpClient>(t);
    auth_ = std::make_unique<Authenticator>(*http_, CredentialStore());
  }

  RegistryClient client(ClientOptions o = {}) { return RegistryClient(*auth_, hosts_, o); }
  Reference ref(const std::string& repo_tag) {
    auto r = parse_reference(reg_->host() + "/" + repo_tag);
    EXPECT_TRUE(r.ok()) << r.error().message();
    return *r;
  }
  size_t log_count(const std::string& needle) {
    std::lock_guard<std::mutex> lk(log_mu_);
    size_t n = 0;
    for (const auto& l : log_) n += l.find(needle) != std::string::npos;
    return n;
  }

  HostConfig hosts_;
  std::mutex log_mu_;
  std::vector<std::string> log_;
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<Authenticator> auth_;
};

TEST_F(ClientTest, PushesAndPullsDockerAndOciImages) {
  auto c = client();
  for (bool oci : {false, true}) {
    SCOPED_TRACE(oci ? "oci" : "docker");
    auto img = make_image(oci ? "hello oci\n" : "hello docker\n", oci);
    Reference r = ref(oci ? "demo/app:oci" : "demo/app:v1");
    ASSERT_TRUE(c.push_blobs(r, img.blobs()).ok());
    auto d = c.put_manifest(r, img.media_type, img.manifest);
    ASSERT_TRUE(d.ok()) << d.error().message();
    EXPECT_EQ(*d, Digest::of(img.manifest));

    auto m = c.get_manifest(r);
    ASSERT_TRUE(m.ok()) << m.error().message();
    EXPECT_EQ(m->bytes, img.manifest);
    EXPECT_EQ(m->media_type, img.media_type);
    EXPECT_EQ(m->digest, *d);
    auto by_digest = c.get_manifest(r.with_digest(d->str()));
    ASSERT_TRUE(by_digest.ok());
    EXPECT_EQ(by_digest->bytes, img.manifest);
    auto head = c.head_manifest(r);
    ASSERT_TRUE(head.ok()) << head.error().message();
    EXPECT_EQ(head->digest, *d);
    EXPECT_EQ(head->media_type, img.media_type);
    EXPECT_EQ(head->size, img.manifest.size());

    auto layer = c.fetch_blob_bytes(r, img.layer->digest());
    ASSERT_TRUE(layer.ok()) << layer.error().message();
    EXPECT_EQ(Digest::of(*layer), img.layer->digest());
    auto exists = c.blob_exists(r, img.config->digest());
    ASSERT_TRUE(exists.ok());
    ASSERT_TRUE(exists->has_value());
    EXPECT_EQ(**exists, img.config->size());
  }
  // Push by digest (no tag).
  auto img = make_image("by digest\n", true);
  Reference untagged = ref("demo/other").with_digest(Digest::of(img.manifest).str());
  ASSERT_TRUE(c.push_blobs(untagged, img.blobs()).ok());
  ASSERT_TRUE(c.put_manifest(untagged, img.media_type, img.manifest).ok());
  EXPECT_TRUE(c.get_manifest(untagged).ok());

  std::string skopeo = test::find_program("skopeo");
  if (skopeo.empty()) GTEST_SKIP() << "skopeo not installed (Debian package skopeo)";
  auto insp =
      test::run({skopeo, "inspect", "--raw", "--tls-verify=false", "docker://" + reg_->host() + "/demo/app:v1"});
  ASSERT_TRUE(insp.ok());
  ASSERT_TRUE(insp->ok()) << insp->describe();
  EXPECT_EQ(insp->out, make_image("hello docker\n", false).manifest);
  auto full = test::run({skopeo, "inspect", "--tls-verify=false", "docker://" + reg_->host() + "/demo/app:oci"});
  ASSERT_TRUE(full.ok() && full->ok()) << (full.ok() ? full->describe() : full.error().message());
  auto j = nlohmann::json::parse(full->out);
  EXPECT_EQ(j["Digest"], Digest::of(make_image("hello oci\n", true).manifest).str());
  EXPECT_EQ(j["Os"], "linux");

  std::string umoci = test::find_program("umoci");
  if (umoci.empty()) GTEST_SKIP() << "umoci not installed (Debian package umoci)";
  TempDir tmp;
  std::string layout = (tmp.path() / "layout").string();
  auto copy = test::run({skopeo, "copy", "--src-tls-verify=false", "docker://" + reg_->host() + "/demo/app:oci",
                         "oci:" + layout + ":oci"});
  ASSERT_TRUE(copy.ok() && copy->ok()) << (copy.ok() ? copy->describe() : copy.error().message());
  std::string bundle = (tmp.path() / "bundle").string();
  auto unpack = test::run({umoci, "unpack", "--rootless", "--image", layout + ":oci", bundle});
  ASSERT_TRUE(unpack.ok() && unpack->ok()) << (unpack.ok() ? unpack->describe() : unpack.error().message());
  auto hello = read_file(bundle + "/rootfs/hello.txt");
  ASSERT_TRUE(hello.ok()) << hello.error().message();
  EXPECT_EQ(*hello, "hello oci\n");
}

TEST_F(ClientTest, TagListing) {
  auto c = client();
  auto img = make_image("tags\n", true);
  Reference r = ref("demo/tags");
  ASSERT_TRUE(c.push_blobs(r, img.blobs()).ok());
  std::vector<std::string> want;
  for (int i = 0; i < 7; ++i) {
    want.push_back("t" + std::to_string(i));
    ASSERT_TRUE(c.put_manifest(r.with_tag(want.back()), img.media_type, img.manifest).ok());
  }
  // Distribution 2.8 ignores n= for tags (pagination came in v3); the
  // Link-following path is exercised below against a paginating server.
  auto tags = c.list_tags(r, 3);
  ASSERT_TRUE(tags.ok()) << tags.error().message();
  std::sort(tags->begin(), tags->end());
  EXPECT_EQ(*tags, want);
  auto none = c.list_tags(ref("demo/nothing"));
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message().find("NAME_UNKNOWN"), std::string::npos) << none.error().message();
}

TEST(ClientPagination, FollowsRelativeLinkHeaders) {
  // A registry that pages like Distribution v3 / Docker Hub: n=2, relative
  // Link with last=, rel="next" until the end.
  std::vector<std::string> all = {"a", "b", "c", "d", "e"};
  TinyServer server([&](const std::string& head) {
    std::string line = head.substr(0, head.find("\r\n"));
    if (line.find("GET /v2/ ") == 0)
      return std::string("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
    size_t from = 0;
    if (auto p = line.find("last="); p != std::string::npos)
      from = static_cast<size_t>(std::find(all.begin(), all.end(), line.substr(p + 5, 1)) - all.begin()) + 1;
    nlohmann::json page = {{"name", "x/y"}, {"tags", nlohmann::json::array()}};
    for (size_t i = from; i < std::min(all.size(), from + 2); ++i) page["tags"].push_back(all[i]);
    std::string body = page.dump();
    std::string link;
    if (from + 2 < all.size()) link = "Link: </v2/x/y/tags/list?last=" + all[from + 1] + "&n=2>; rel=\"next\"\r\n";
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + link +
           "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  });
  HostConfig hosts;
  std::string host = "127.0.0.1:" + std::to_string(server.port());
  ASSERT_TRUE(hosts.add_plain_http(host).ok());
  HttpClient http;
  Authenticator auth(http, CredentialStore());
  RegistryClient c(auth, hosts);
  auto tags = c.list_tags(*parse_reference(host + "/x/y"), 2);
  ASSERT_TRUE(tags.ok()) << tags.error().message();
  EXPECT_EQ(*tags, all);
  size_t pages = 0;
  for (const auto& h : server.heads()) pages += h.find("/tags/list") != std::string::npos;
  EXPECT_EQ(pages, 3u);
}

TEST_F(ClientTest, MountsAcrossRepositoriesAndFallsBackToUpload) {
  auto c = client();
  auto blob = memory_blob(noise(20000, 1));
  ASSERT_TRUE(c.push_blob(ref("src/one"), *blob).ok());
  EXPECT_EQ(c.stats().blobs_uploaded, 1u);
  ASSERT_TRUE(c.push_blob(ref("dst/two"), *blob, "src/one").ok());
  EXPECT_EQ(c.stats().blobs_mounted, 1u);
  EXPECT_EQ(c.stats().blobs_uploaded, 1u);
  EXPECT_EQ(c.stats().bytes_uploaded, 20000u);
  EXPECT_TRUE(c.blob_exists(ref("dst/two"), blob->digest())->has_value());
  // The source repository lacks this blob: the registry answers 202 and
  // the bytes are uploaded into the session it opened.
  auto other = memory_blob(noise(3000, 2));
  ASSERT_TRUE(c.push_blob(ref("dst/two"), *other, "src/one").ok());
  EXPECT_EQ(c.stats().blobs_mounted, 1u);
  EXPECT_EQ(c.stats().blobs_uploaded, 2u);
  // Already there: only a HEAD.
  ASSERT_TRUE(c.push_blob(ref("dst/two"), *other).ok());
  EXPECT_EQ(c.stats().blobs_existing, 1u);
}

TEST_F(ClientTest, ChunkedUploadWithSmallChunks) {
  ClientOptions o;
  o.chunk_size = 1000;
  auto c = client(o);
  std::string data = noise(5500, 3);
  auto blob = memory_blob(data);
  ASSERT_TRUE(c.push_blob(ref("demo/chunks"), *blob).ok());
  EXPECT_EQ(c.stats().chunks, 6u);
  EXPECT_EQ(log_count("PATCH "), 6u);
  auto back = c.fetch_blob_bytes(ref("demo/chunks"), blob->digest());
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(*back, data);
}

TEST_F(ClientTest, ResumeContinuesFromTheRegistryOffset) {
  std::string data = noise(6000, 4);
  auto blob = memory_blob(data);
  Reference r = ref("demo/resume");
  UploadSession session;
  {
    // First "process": sends 2000 bytes, then goes away.
    auto first = client();
    auto s = first.start_upload(r);
    ASSERT_TRUE(s.ok() && s->has_value());
    session = **s;
    ASSERT_TRUE(first.upload_chunk(r, session, *blob, 2000).ok());
    EXPECT_EQ(session.offset, 2000u);
  }
  UploadSession stale = session;
  stale.offset = 0;  // what a restarted client knows: only the URL
  ClientOptions o;
  o.chunk_size = 1500;
  auto second = client(o);
  ASSERT_TRUE(second.resume_upload(r, stale, *blob).ok());
  EXPECT_EQ(second.stats().resumes, 1u);
  EXPECT_EQ(second.stats().bytes_uploaded, 4000u) << "no restart from zero";
  EXPECT_EQ(second.stats().chunks, 3u);  // 1500 + 1500 + 1000
  auto back = second.fetch_blob_bytes(r, blob->digest());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, data);
}

TEST_F(ClientTest, DownloadsAreVerified) {
  auto c = client();
  auto blob = memory_blob(noise(10000, 5));
  Reference r = ref("demo/verify");
  ASSERT_TRUE(c.push_blob(r, *blob).ok());
  auto sink = [](const char*, size_t) -> Status { return {}; };
  EXPECT_TRUE(c.fetch_blob(r, blob->digest(), 10000, sink).ok());
  auto short_size = c.fetch_blob(r, blob->digest(), 9999, sink);
  ASSERT_FALSE(short_size.ok());
  EXPECT_EQ(short_size.error().kind(), ErrorKind::integrity);
  auto long_size = c.fetch_blob(r, blob->digest(), 10001, sink);
  ASSERT_FALSE(long_size.ok());
  EXPECT_EQ(long_size.error().kind(), ErrorKind::integrity);
  auto capped = c.fetch_blob(r, blob->digest(), -1, sink, 4096);
  ASSERT_FALSE(capped.ok());
  EXPECT_NE(capped.error().message().find("limit of 4096"), std::string::npos) << capped.error().message();
  auto missing = c.fetch_blob(r, Digest::of("nope"), -1, sink);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind(), ErrorKind::not_found);
  EXPECT_NE(missing.error().message().find("BLOB_UNKNOWN"), std::string::npos) << missing.error().message();
  auto no_manifest = c.head_manifest(ref("demo/verify:absent"));
  ASSERT_FALSE(no_manifest.ok());
  EXPECT_EQ(no_manifest.error().kind(), ErrorKind::not_found);
  // A manifest that references a missing blob is refused by the registry.
  auto bad = c.put_manifest(ref("demo/verify:bad"), media::kOciManifest, make_image("x", true).manifest);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("MANIFEST_BLOB_UNKNOWN"), std::string::npos) << bad.error().message();
}

TEST_F(ClientTest, PushBlobsInParallel) {
  ClientOptions o;
  o.jobs = 3;
  auto c = client(o);
  std::vector<std::shared_ptr<BlobSource>> blobs;
  for (unsigned i = 0; i < 6; ++i) blobs.push_back(memory_blob(noise(1000 * (i + 1), 10 + i)));
  blobs.push_back(blobs[0]);  // duplicates are pushed once
  Reference r = ref("demo/parallel");
  ASSERT_TRUE(c.push_blobs(r, blobs).ok());
  EXPECT_EQ(c.stats().blobs_uploaded, 6u);
  for (const auto& b : blobs) EXPECT_TRUE(c.blob_exists(r, b->digest())->has_value());
  ASSERT_TRUE(c.push_blobs(r, blobs).ok());
  EXPECT_EQ(c.stats().blobs_existing, 6u);
  // A file source streams from disk.
  TempDir tmp;
  ASSERT_TRUE(write_file_atomic(tmp.path() / "blob", noise(70000, 99)).ok());
  auto file = file_blob(tmp.path() / "blob", Digest::of(noise(70000, 99)), 70000);
  ASSERT_TRUE(c.push_blobs(r, {file}).ok());
  EXPECT_EQ(*c.fetch_blob_bytes(r, file->digest()), noise(70000, 99));
}

}  // namespace
}  // namespace dl::registry
