#include "registry/auth/credentials.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "base/base64.h"
#include "base/fs.h"

namespace dl::registry {
namespace {

Status write_script(const fs::path& p, const std::string& text) {
  DL_TRY(write_file_atomic(p, text));
  chmod(p.c_str(), 0755);
  return {};
}

TEST(Credentials, AuthsInAllForms) {
  TempDir dir;
  auto cfg = dir.path() / "config.json";
  ASSERT_TRUE(write_file_atomic(cfg, R"({
    "auths": {
      "https://index.docker.io/v1/": {"auth": ")" +
                                         base64_encode("hubuser:hub:pass") + R"("},
      "registry.example.com": {"username": "u2", "password": "p2"},
      "http://10.0.0.1:5000/v2/": {"identitytoken": "refresh-me"}
    }
  })")
                  .ok());
  auto store = CredentialStore::load(cfg.string());
  ASSERT_TRUE(store.ok()) << store.error().message();
  auto hub = store->lookup("docker.io");
  ASSERT_TRUE(hub.ok());
  EXPECT_EQ(hub->username, "hubuser");
  EXPECT_EQ(hub->password, "hub:pass");  // split at the first colon only
  EXPECT_EQ(store->lookup("registry.example.com")->password, "p2");
  EXPECT_EQ(store->lookup("10.0.0.1:5000")->identity_token, "refresh-me");
  EXPECT_TRUE(store->lookup("other.io")->empty());
  EXPECT_EQ(normalize_registry_key("https://index.docker.io/v1/"), "docker.io");
  EXPECT_EQ(normalize_registry_key("HTTP://Host:5000/x"), "host:5000");
}

TEST(Credentials, MissingFileIsAnonymousMalformedFileNamesItWithoutSecrets) {
  TempDir dir;
  auto missing = CredentialStore::load((dir.path() / "nope.json").string());
  ASSERT_TRUE(missing.ok());
  EXPECT_TRUE(missing->lookup("docker.io")->empty());
  auto bad = dir.path() / "bad.json";
  ASSERT_TRUE(write_file_atomic(bad, "{not json").ok());
  auto b = CredentialStore::load(bad.string());
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().message().find(bad.string()), std::string::npos);
  auto noncolon = dir.path() / "c.json";
  ASSERT_TRUE(
      write_file_atomic(noncolon, R"({"auths":{"h.io":{"auth":")" + base64_encode("secretnocolon") + R"("}}})").ok());
  auto c = CredentialStore::load(noncolon.string());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().message().find("secretnocolon"), std::string::npos);
  EXPECT_NE(c.error().message().find("auths[\"h.io\"].auth"), std::string::npos);
}

TEST(Credentials, HelpersAndStoreGetServerUrlOnStdin) {
  TempDir dir;
  // The helper echoes what it was asked, so the test sees the server URL.
  ASSERT_TRUE(
      write_script(dir.path() / "docker-credential-echo",
                   "#!/bin/sh\n[ \"$1\" = get ] || exit 2\nread url\n"
                   "printf '{\"ServerURL\":\"%s\",\"Username\":\"u-%s\",\"Secret\":\"s3\"}' \"$url\" \"$url\"\n")
          .ok());
  ASSERT_TRUE(write_script(dir.path() / "docker-credential-tok",
                           "#!/bin/sh\nread url\nprintf '{\"Username\":\"<token>\",\"Secret\":\"idtok\"}'\n")
                  .ok());
  ASSERT_TRUE(write_script(dir.path() / "docker-credential-none",
                           "#!/bin/sh\necho 'credentials not found in native keychain'\nexit 1\n")
                  .ok());
  ASSERT_TRUE(write_script(dir.path() / "docker-credential-broken", "#!/bin/sh\nexit 3\n").ok());
  auto cfg = dir.path() / "config.json";
  ASSERT_TRUE(write_file_atomic(cfg, R"({"credsStore":"echo",
     "credHelpers":{"tok.io":"tok","none.io":"none","broken.io":"broken"},
     "auths":{"plain.io":{"username":"pu","password":"pp"}}})")
                  .ok());
  auto store = CredentialStore::load(cfg.string());
  ASSERT_TRUE(store.ok());
  store->set_helper_dir(dir.path().string());
  auto hub = store->lookup("docker.io");
  ASSERT_TRUE(hub.ok()) << hub.error().message();
  EXPECT_EQ(hub->username, "u-https://index.docker.io/v1/");
  EXPECT_EQ(hub->password, "s3");
  EXPECT_EQ(store->lookup("127.0.0.1:5000")->username, "u-127.0.0.1:5000");
  EXPECT_EQ(store->lookup("tok.io")->identity_token, "idtok");
  EXPECT_TRUE(store->lookup("none.io")->empty());
  EXPECT_EQ(store->lookup("plain.io")->username, "pu");
  auto broken = store->lookup("broken.io");
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.error().message().find("docker-credential-broken"), std::string::npos);
  store->set("docker.io", Credential{"explicit", "x", ""});
  EXPECT_EQ(store->lookup("index.docker.io")->username, "explicit");
}

TEST(Credentials, DefaultPathFollowsDockerConfig) {
  setenv("DOCKER_CONFIG", "/some/dir", 1);
  EXPECT_EQ(CredentialStore::default_path(), "/some/dir/config.json");
  unsetenv("DOCKER_CONFIG");
  setenv("HOME", "/home/x", 1);
  EXPECT_EQ(CredentialStore::default_path(), "/home/x/.docker/config.json");
}

}  // namespace
}  // namespace dl::registry
