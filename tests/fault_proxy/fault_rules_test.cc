#include "tests/fault_proxy/fault_rules.h"

#include <gtest/gtest.h>

namespace dl::test {
namespace {

TEST(FaultRulesTest, ParsesEveryActionWithDefaults) {
  auto rules = parse_fault_rules(
      "# comment\n"
      "status 503 method=GET|HEAD path=/blobs/ nth=2 retry-after=1\n"
      "\n"
      "status 429 retry-after=date:3   # trailing comment\n"
      "close count=all\n"
      "drop-request 1000 method=PATCH\n"
      "drop-response 0\n"
      "delay 250 path=^/v2/$\n"
      "max-body 1048576 method=PATCH|PUT\n"
      "status 500 rate=0.1 seed=42\n");
  ASSERT_TRUE(rules.ok()) << rules.error().message();
  ASSERT_EQ(rules->size(), 8u);
  const auto& r = *rules;
  EXPECT_EQ(r[0].action, FaultAction::status);
  EXPECT_EQ(r[0].arg, 503u);
  EXPECT_EQ(r[0].method_regex, "GET|HEAD");
  EXPECT_EQ(r[0].path_regex, "/blobs/");
  EXPECT_EQ(r[0].nth, 2u);
  EXPECT_EQ(r[0].count, 1u);
  EXPECT_EQ(r[0].retry_after, FaultRule::RetryAfter::seconds);
  EXPECT_EQ(r[0].retry_after_seconds, 1u);
  EXPECT_EQ(r[1].retry_after, FaultRule::RetryAfter::date);
  EXPECT_EQ(r[1].retry_after_seconds, 3u);
  EXPECT_EQ(r[2].action, FaultAction::close);
  EXPECT_EQ(r[2].count, 0u);
  EXPECT_EQ(r[3].action, FaultAction::drop_request);
  EXPECT_EQ(r[3].arg, 1000u);
  EXPECT_EQ(r[4].action, FaultAction::drop_response);
  EXPECT_EQ(r[5].action, FaultAction::delay);
  EXPECT_EQ(r[5].count, 0u) << "delay applies to every match by default";
  EXPECT_EQ(r[6].action, FaultAction::max_body);
  EXPECT_EQ(r[6].count, 0u);
  EXPECT_DOUBLE_EQ(r[7].rate, 0.1);
  EXPECT_EQ(r[7].seed, 42u);
}

TEST(FaultRulesTest, ErrorsNameTheLineAndTheProblem) {
  auto bad = parse_fault_rules("status 503\nstatsu 500\n", "faults.txt");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("faults.txt:2"), std::string::npos) << bad.error().message();
  EXPECT_NE(bad.error().message().find("did you mean 'status'"), std::string::npos) << bad.error().message();

  EXPECT_FALSE(parse_fault_rule("status 999").ok());
  EXPECT_FALSE(parse_fault_rule("status").ok());
  EXPECT_FALSE(parse_fault_rule("drop-request lots").ok());
  EXPECT_FALSE(parse_fault_rule("status 503 path=(").ok());
  EXPECT_FALSE(parse_fault_rule("status 503 nth=0").ok());
  EXPECT_FALSE(parse_fault_rule("status 503 rate=1.5").ok());
  EXPECT_FALSE(parse_fault_rule("delay 10 retry-after=1").ok());
  auto unknown = parse_fault_rule("status 503 when=later");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message().find("unknown key 'when'"), std::string::npos);
}

}  // namespace
}  // namespace dl::test
