// When and how long to wait before trying a request again. Pure functions
// plus a Clock interface, so the policy is testable without sleeping; the
// HTTP client drives it with the real clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace dl::net {

using Millis = std::chrono::milliseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::steady_clock::time_point now() = 0;
  // Seconds since the epoch, for HTTP dates in Retry-After.
  virtual int64_t unix_now() = 0;
  virtual void sleep_for(Millis d) = 0;
};

std::shared_ptr<Clock> system_clock();

struct RetryPolicy {
  int max_attempts = 6;         // including the first
  Millis base_delay{250};       // backoff before jitter: base * 2^retry
  Millis max_delay{20'000};     // cap for one wait
  Millis max_total{120'000};    // give up when waiting more would exceed this
  int rate_limit_reserve = 10;  // start spacing requests below this many left
};

// Status codes worth retrying: 408, 429 and 5xx except 501/505.
bool is_retryable_status(int status);

// Full jitter: uniform in [0, min(max_delay, base * 2^retry)]; retry is 0-based.
Millis backoff_delay(int retry, const RetryPolicy& policy, std::mt19937_64& rng);

// Retry-After as delta-seconds or an HTTP-date; nullopt when unparsable.
std::optional<Millis> parse_retry_after(std::string_view value, int64_t unix_now);

// Docker Hub / IETF draft rate limit headers for one host.
struct RateLimit {
  int64_t remaining = -1;  // -1 = unknown
  int64_t window_s = 0;    // from ";w=" in RateLimit-Remaining / RateLimit-Limit
  std::optional<std::chrono::steady_clock::time_point> reset_at;
};
// Updates `rl` from "RateLimit-Remaining: 95;w=21600" and
// "RateLimit-Reset: <seconds>" (either may be absent).
void update_rate_limit(RateLimit& rl, std::string_view remaining_header, std::string_view reset_header,
                       std::chrono::steady_clock::time_point now);
// How long to wait before the next request so the budget lasts until the
// reset: zero while comfortably above the reserve, capped by max_delay.
Millis rate_limit_delay(const RateLimit& rl, std::chrono::steady_clock::time_point now, const RetryPolicy& policy);

// Runs `attempt` until it yields a final outcome. An attempt returns either
// an Error (retried when temporary and `can_retry()`), or an HTTP status with
// its Retry-After header value (retried when retryable). Waits follow the
// policy; Retry-After overrides backoff when longer. Returns the last outcome.
struct AttemptOutcome {
  std::optional<Error> error;  // connection-level failure
  int status = 0;              // HTTP status when there was a response
  std::string retry_after;     // header value, may be empty
};
struct RetryTrace {
  int attempts = 0;
  std::vector<Millis> waits;
};
AttemptOutcome run_with_retries(const std::function<AttemptOutcome()>& attempt, const std::function<bool()>& can_retry,
                                const RetryPolicy& policy, Clock& clock, std::mt19937_64& rng,
                                RetryTrace* trace = nullptr);

}  // namespace dl::net
