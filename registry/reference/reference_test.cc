#include "registry/reference/reference.h"

#include <gtest/gtest.h>

#include "registry/reference/hosts.h"

namespace dl::registry {
namespace {

const std::string kHex(64, 'a');

Reference parse_ok(const std::string& s) {
  auto r = parse_reference(s);
  EXPECT_TRUE(r.ok()) << s << ": " << (r.ok() ? "" : r.error().message());
  return r.ok() ? *r : Reference{};
}

std::string parse_err(const std::string& s) {
  auto r = parse_reference(s);
  EXPECT_FALSE(r.ok()) << s << " parsed as " << (r.ok() ? r->str() : "");
  return r.ok() ? "" : r.error().message();
}

TEST(Reference, DockerHubShortNames) {
  EXPECT_EQ(parse_ok("ubuntu").str(), "docker.io/library/ubuntu:latest");
  EXPECT_EQ(parse_ok("ubuntu:22.04").str(), "docker.io/library/ubuntu:22.04");
  EXPECT_EQ(parse_ok("qingcloud/tensorflow:1.12-cpu").str(), "docker.io/qingcloud/tensorflow:1.12-cpu");
  EXPECT_EQ(parse_ok("index.docker.io/library/ubuntu").str(), "docker.io/library/ubuntu:latest");
  EXPECT_EQ(parse_ok("docker.io/ubuntu").str(), "docker.io/library/ubuntu:latest");
  EXPECT_EQ(parse_ok("ubuntu").api_host(), "registry-1.docker.io");
}

TEST(Reference, HostsPortsTagsDigests) {
  auto r = parse_ok("127.0.0.1:5000/team/app:1.0@sha256:" + kHex);
  EXPECT_EQ(r.registry, "127.0.0.1:5000");
  EXPECT_EQ(r.repository, "team/app");
  EXPECT_EQ(r.tag, "1.0");
  EXPECT_EQ(r.digest, "sha256:" + kHex);
  EXPECT_EQ(r.identifier(), "sha256:" + kHex);
  EXPECT_EQ(r.api_host(), "127.0.0.1:5000");

  auto p = parse_ok("localhost:5000/app");  // port, not a tag
  EXPECT_EQ(p.registry, "localhost:5000");
  EXPECT_EQ(p.tag, "latest");
  EXPECT_EQ(parse_ok("localhost/app").registry, "localhost");
  EXPECT_EQ(parse_ok("quay.io/a/b/c").repository, "a/b/c");
  EXPECT_EQ(parse_ok("[::1]:5000/app:x").registry, "[::1]:5000");
  auto d = parse_ok("app@sha256:" + kHex);
  EXPECT_EQ(d.tag, "");
  EXPECT_EQ(d.str(), "docker.io/library/app@sha256:" + kHex);
  auto notag = parse_reference("host.io/app", /*default_tag=*/false);
  ASSERT_TRUE(notag.ok());
  EXPECT_EQ(notag->tag, "");
  EXPECT_EQ(parse_ok("a/b__c-d.e_f---g:_T.a-g").tag, "_T.a-g");
}

TEST(Reference, RefusedWithReason) {
  EXPECT_EQ(parse_err("Foo/bar"), "invalid reference 'Foo/bar': repository name must be lowercase");
  EXPECT_NE(parse_err("host.io/App").find("lowercase"), std::string::npos);
  EXPECT_NE(parse_err("app:-bad").find("invalid tag '-bad'"), std::string::npos);
  EXPECT_NE(parse_err("app:" + std::string(129, 'a')).find("invalid tag"), std::string::npos);
  EXPECT_NE(parse_err("app@sha256:abc").find("64 hex"), std::string::npos);
  EXPECT_NE(parse_err("app@md5:abc").find("unsupported algorithm"), std::string::npos);
  EXPECT_NE(parse_err("a//b").find("path component"), std::string::npos);
  EXPECT_NE(parse_err("a/b-").find("path component 'b-'"), std::string::npos);
  EXPECT_NE(parse_err("a/.b").find("path component '.b'"), std::string::npos);
  EXPECT_NE(parse_err("-host.io/a").find("invalid registry host"), std::string::npos);
  EXPECT_NE(parse_err("").find("empty"), std::string::npos);
  EXPECT_NE(parse_err("a b").find("whitespace"), std::string::npos);
  EXPECT_NE(parse_err(kHex).find("hexadecimal"), std::string::npos);
  EXPECT_NE(parse_err("host.io:/a").find("invalid registry host"), std::string::npos);
  EXPECT_NE(parse_err("h.io/" + std::string(260, 'a')).find("255"), std::string::npos);
}

TEST(Reference, TagAndComponentGrammar) {
  EXPECT_TRUE(is_valid_tag("latest"));
  EXPECT_TRUE(is_valid_tag("_x"));
  EXPECT_TRUE(is_valid_tag(std::string(128, 'a')));
  EXPECT_FALSE(is_valid_tag(".x"));
  EXPECT_FALSE(is_valid_tag(""));
  EXPECT_FALSE(is_valid_tag("a+b"));
  EXPECT_TRUE(is_valid_path_component("a__b"));
  EXPECT_TRUE(is_valid_path_component("a---b"));
  EXPECT_FALSE(is_valid_path_component("a___b"));
  EXPECT_FALSE(is_valid_path_component("a..b"));
  EXPECT_FALSE(is_valid_path_component("_a"));
}

TEST(HostConfig, MirrorsPushRegistryAndPlainHttp) {
  HostConfig hc;
  ASSERT_TRUE(hc.add_mirror("docker.io=127.0.0.1:5000").ok());
  ASSERT_TRUE(hc.add_mirror("quay.io=http://127.0.0.1:5001").ok());
  auto r = hc.for_pull(parse_ok("ubuntu:22.04"));
  EXPECT_EQ(r.str(), "127.0.0.1:5000/library/ubuntu:22.04");
  EXPECT_EQ(hc.base_url(r), "http://127.0.0.1:5000");  // loopback, no TLS probe: plain
  auto q = hc.for_pull(parse_ok("quay.io/a/b"));
  EXPECT_EQ(hc.base_url(q), "http://127.0.0.1:5001");
  EXPECT_EQ(hc.for_pull(parse_ok("ghcr.io/x/y")).registry, "ghcr.io");
  EXPECT_EQ(hc.base_url(parse_ok("ubuntu")), "https://registry-1.docker.io");

  ASSERT_TRUE(hc.set_push_registry("http://localhost:5002").ok());
  auto p = hc.for_push(parse_ok("qingcloud/tensorflow:1.12"));
  EXPECT_EQ(p.str(), "localhost:5002/qingcloud/tensorflow:1.12");
  EXPECT_EQ(hc.base_url(p), "http://localhost:5002");

  ASSERT_TRUE(hc.add_plain_http("myhost:80").ok());
  EXPECT_TRUE(hc.is_plain_http("myhost:80"));
  EXPECT_FALSE(hc.is_plain_http("myhost"));

  EXPECT_FALSE(hc.add_mirror("docker.io").ok());
  EXPECT_FALSE(hc.add_mirror("docker.io=").ok());
  EXPECT_FALSE(hc.set_push_registry("host/path").ok());
  EXPECT_FALSE(hc.add_plain_http("user@host").ok());
}

TEST(HostConfig, NamespaceOverrideMovesTheRepositoryNotTheTag) {
  HostConfig hc;
  ASSERT_TRUE(hc.set_push_namespace("staging").ok());
  EXPECT_EQ(hc.for_push(parse_ok("qingcloud/tensorflow:1.12")).str(), "docker.io/staging/tensorflow:1.12");
  EXPECT_EQ(hc.for_push(parse_ok("ubuntu:16.04")).str(), "docker.io/staging/ubuntu:16.04");
  ASSERT_TRUE(hc.set_push_registry("127.0.0.1:5000").ok());
  auto once = hc.for_push(parse_ok("qingcloud/tensorflow:1.12"));
  EXPECT_EQ(once.str(), "127.0.0.1:5000/staging/tensorflow:1.12");
  EXPECT_EQ(hc.for_push(once), once);  // idempotent: results files hold pushed references
  EXPECT_EQ(relocate(parse_ok("a.io/x/y/z@sha256:" + std::string(64, 'a')), "", "team/dev").str(),
            "a.io/team/dev/z@sha256:" + std::string(64, 'a'));
  for (const char* bad : {"", "Staging", "a//b", "-x", "x-", "a b", "a_.b", "/x"})
    EXPECT_FALSE(hc.set_push_namespace(bad).ok()) << bad;
  EXPECT_TRUE(check_namespace("my-org/team.a_b1").ok());
}

TEST(HostConfig, LoopbackIsPlainUnlessItSpeaksTls) {
  EXPECT_TRUE(is_loopback_host("127.0.0.1:5000"));
  EXPECT_TRUE(is_loopback_host("127.255.3.4"));
  EXPECT_TRUE(is_loopback_host("localhost:443"));
  EXPECT_TRUE(is_loopback_host("[::1]:5000"));
  EXPECT_TRUE(is_loopback_host("::1"));
  EXPECT_FALSE(is_loopback_host("127.example.com"));
  EXPECT_FALSE(is_loopback_host("128.0.0.1"));
  EXPECT_FALSE(is_loopback_host("localhost.evil.com:80"));
  EXPECT_FALSE(is_loopback_host("docker.io"));

  HostConfig hc;
  EXPECT_EQ(hc.base_url(parse_ok("127.0.0.1:5000/a/b")), "http://127.0.0.1:5000");
  EXPECT_EQ(hc.base_url(parse_ok("localhost:5000/a")), "http://localhost:5000");
  EXPECT_EQ(hc.base_url(parse_ok("registry.example.com/a")), "https://registry.example.com");

  int probes = 0;
  hc.set_tls_probe([&](const std::string& host) {
    ++probes;
    return host == "127.0.0.1:5443";
  });
  EXPECT_EQ(hc.base_url(parse_ok("127.0.0.1:5443/a")), "https://127.0.0.1:5443");
  EXPECT_EQ(hc.base_url(parse_ok("127.0.0.1:5443/b")), "https://127.0.0.1:5443");
  EXPECT_EQ(hc.base_url(parse_ok("127.0.0.1:5000/a")), "http://127.0.0.1:5000");
  EXPECT_EQ(probes, 2) << "one probe per host";
  EXPECT_EQ(hc.base_url(parse_ok("example.com/a")), "https://example.com");
  EXPECT_EQ(probes, 2) << "non-loopback hosts are never probed";

  // An explicit https:// wins over the loopback default.
  HostConfig tls;
  ASSERT_TRUE(tls.set_push_registry("https://127.0.0.1:5000").ok());
  EXPECT_EQ(tls.base_url(tls.for_push(parse_ok("x/y"))), "https://127.0.0.1:5000");
}

TEST(HostConfig, PlainHttpMatchesWithOrWithoutPort) {
  HostConfig hc;
  ASSERT_TRUE(hc.add_plain_http("myhost").ok());
  EXPECT_TRUE(hc.is_plain_http("myhost"));
  EXPECT_TRUE(hc.is_plain_http("myhost:5000"));
  EXPECT_FALSE(hc.is_plain_http("otherhost:5000"));
  ASSERT_TRUE(hc.add_plain_http("http://other:8080").ok());
  EXPECT_TRUE(hc.is_plain_http("other:8080"));
  EXPECT_FALSE(hc.is_plain_http("other:9090")) << "HOST:PORT covers only that port";
}

}  // namespace
}  // namespace dl::registry
