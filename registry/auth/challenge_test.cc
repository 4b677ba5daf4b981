#include "registry/auth/challenge.h"

#include <gtest/gtest.h>

#include "base/base64.h"

namespace dl::registry {
namespace {

TEST(Challenge, DockerHubBearerWithCommaInScope) {
  auto cs = parse_challenges(
      R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push")");
  ASSERT_EQ(cs.size(), 1u);
  EXPECT_EQ(cs[0].scheme, "bearer");
  EXPECT_EQ(cs[0].param("realm"), "https://auth.docker.io/token");
  EXPECT_EQ(cs[0].param("service"), "registry.docker.io");
  EXPECT_EQ(cs[0].param("scope"), "repository:samalba/my-app:pull,push");
}

TEST(Challenge, SeveralChallengesSpacingEscapesAndTokens) {
  auto cs = parse_challenges(
      R"(Basic realm="Registry Realm" , BEARER Realm = "a\"b", Service=svc, error="insufficient_scope")");
  ASSERT_EQ(cs.size(), 2u);
  EXPECT_EQ(cs[0].scheme, "basic");
  EXPECT_EQ(cs[0].param("realm"), "Registry Realm");
  EXPECT_EQ(cs[1].scheme, "bearer");
  EXPECT_EQ(cs[1].param("realm"), "a\"b");
  EXPECT_EQ(cs[1].param("service"), "svc");
  EXPECT_EQ(cs[1].param("error"), "insufficient_scope");
  EXPECT_TRUE(parse_challenges("").empty());
  auto bare = parse_challenges("Basic");
  ASSERT_EQ(bare.size(), 1u);
  EXPECT_TRUE(bare[0].params.empty());
  auto unterminated = parse_challenges(R"(Bearer realm="http://x/token)");
  ASSERT_EQ(unterminated.size(), 1u);
  EXPECT_EQ(unterminated[0].param("realm"), "http://x/token");
}

TEST(Base64, RoundTrip) {
  EXPECT_EQ(base64_encode("user:pass"), "dXNlcjpwYXNz");
  EXPECT_EQ(base64_encode("a"), "YQ==");
  EXPECT_EQ(base64_encode("ab"), "YWI=");
  EXPECT_EQ(*base64_decode("dXNlcjpwYXNz"), "user:pass");
  EXPECT_EQ(*base64_decode("YQ"), "a");
  EXPECT_FALSE(base64_decode("**").has_value());
}

}  // namespace
}  // namespace dl::registry
