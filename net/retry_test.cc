// The waiting policy, with a clock that does not really sleep.
#include "net/retry.h"

#include <gtest/gtest.h>

#include "net/fake_clock_test_util.h"

namespace dl::net {
namespace {

TEST(Retry, RetryableStatuses) {
  for (int s : {408, 429, 500, 502, 503, 504}) EXPECT_TRUE(is_retryable_status(s)) << s;
  for (int s : {200, 201, 400, 401, 403, 404, 413, 501, 505}) EXPECT_FALSE(is_retryable_status(s)) << s;
}

TEST(Retry, FullJitterStaysWithinExponentialCeiling) {
  RetryPolicy p;
  p.base_delay = Millis(100);
  p.max_delay = Millis(1000);
  std::mt19937_64 rng(42);
  for (int retry = 0; retry < 8; ++retry) {
    int64_t ceiling = std::min<int64_t>(1000, 100LL << retry);
    int64_t max_seen = 0;
    for (int i = 0; i < 500; ++i) {
      auto d = backoff_delay(retry, p, rng).count();
      EXPECT_GE(d, 0);
      EXPECT_LE(d, ceiling);
      max_seen = std::max(max_seen, d);
    }
    EXPECT_GT(max_seen, ceiling / 2) << "jitter should spread over the whole range";
  }
}

TEST(Retry, RetryAfterSecondsAndHttpDate) {
  EXPECT_EQ(parse_retry_after("7", 0), Millis(7000));
  EXPECT_EQ(parse_retry_after(" 0 ", 0), Millis(0));
  // Sun, 06 Nov 1994 08:49:37 GMT == 784111777
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111777 - 12), Millis(12000));
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111777 + 50), Millis(0));
  EXPECT_FALSE(parse_retry_after("soon", 0).has_value());
  EXPECT_FALSE(parse_retry_after("-3", 0).has_value());
  EXPECT_FALSE(parse_retry_after("", 0).has_value());
}

TEST(Retry, RateLimitSlowsDownBeforeZero) {
  RetryPolicy p;
  p.rate_limit_reserve = 10;
  p.max_delay = Millis(60'000);
  auto now = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  RateLimit rl;
  update_rate_limit(rl, "95;w=21600", "", now);
  EXPECT_EQ(rl.remaining, 95);
  EXPECT_EQ(rl.window_s, 21600);
  EXPECT_EQ(rate_limit_delay(rl, now, p), Millis(0));  // plenty left
  update_rate_limit(rl, "4;w=21600", "30", now);
  EXPECT_EQ(rl.remaining, 4);
  // 30 s until the reset, 4 left: one request every 6 s.
  EXPECT_EQ(rate_limit_delay(rl, now, p), Millis(6000));
  EXPECT_EQ(rate_limit_delay(rl, now + std::chrono::seconds(31), p), Millis(0));  // reset passed
  RateLimit window_only;
  update_rate_limit(window_only, "1;w=100", "", now);
  EXPECT_EQ(rate_limit_delay(window_only, now, p), Millis(50'000));
  p.max_delay = Millis(5000);
  EXPECT_EQ(rate_limit_delay(window_only, now, p), Millis(5000));  // capped
  RateLimit unknown;
  update_rate_limit(unknown, "garbage", "", now);
  EXPECT_EQ(rate_limit_delay(unknown, now, p), Millis(0));
}

TEST(Retry, LoopRetriesTemporaryFailuresAndHonoursRetryAfter) {
  FakeClock clock;
  RetryPolicy p;
  p.base_delay = Millis(10);
  p.max_delay = Millis(100);
  std::mt19937_64 rng(1);
  int calls = 0;
  RetryTrace trace;
  auto out = run_with_retries(
      [&] {
        ++calls;
        AttemptOutcome o;
        if (calls == 1)
          o.error = Error(ErrorKind::network, "connection reset", true);
        else if (calls == 2) {
          o.status = 429;
          o.retry_after = "3";
        } else
          o.status = 200;
        return o;
      },
      [] { return true; }, p, clock, rng, &trace);
  EXPECT_EQ(out.status, 200);
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(trace.attempts, 3);
  ASSERT_EQ(clock.sleeps().size(), 2u);
  EXPECT_LE(clock.sleeps()[0], Millis(10));
  EXPECT_EQ(clock.sleeps()[1], Millis(3000));  // Retry-After beats the 20 ms backoff
}

TEST(Retry, LoopStopsOnPermanentErrorsCountAndTotalTime) {
  FakeClock clock;
  RetryPolicy p;
  p.max_attempts = 4;
  p.base_delay = Millis(10);
  std::mt19937_64 rng(1);
  int calls = 0;
  auto always = [&](int status) {
    return [&calls, status] {
      ++calls;
      AttemptOutcome o;
      o.status = status;
      return o;
    };
  };
  auto out = run_with_retries(
      always(404), [] { return true; }, p, clock, rng);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(out.status, 404);

  calls = 0;
  out = run_with_retries(
      always(503), [] { return true; }, p, clock, rng);
  EXPECT_EQ(calls, 4);  // bounded in count
  EXPECT_EQ(out.status, 503);

  calls = 0;
  p.max_attempts = 100;
  p.max_total = Millis(5000);
  auto slow = [&] {
    ++calls;
    AttemptOutcome o;
    o.status = 503;
    o.retry_after = "2";
    return o;
  };
  auto before = clock.now();
  out = run_with_retries(
      slow, [] { return true; }, p, clock, rng);
  EXPECT_EQ(calls, 3);  // waits 2 s + 2 s; a third wait would pass 5 s
  EXPECT_LE(clock.now() - before, std::chrono::milliseconds(5000));

  calls = 0;
  out = run_with_retries(
      always(503), [] { return false; }, p, clock, rng);
  EXPECT_EQ(calls, 1);  // the caller said the body cannot be replayed
}

}  // namespace
}  // namespace dl::net
