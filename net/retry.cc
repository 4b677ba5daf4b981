#include "net/retry.h"

#include <curl/curl.h>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <string>
#include <thread>

#include "base/strings.h"

namespace dl::net {

namespace {

class SystemClock final : public Clock {
 public:
  std::chrono::steady_clock::time_point now() override { return std::chrono::steady_clock::now(); }
  int64_t unix_now() override { return static_cast<int64_t>(std::time(nullptr)); }
  void sleep_for(Millis d) override { std::this_thread::sleep_for(d); }
};

std::optional<int64_t> parse_int(std::string_view s) {
  std::string t = trim(s);
  int64_t v = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || p != t.data() + t.size() || t.empty()) return std::nullopt;
  return v;
}

}  // namespace

std::shared_ptr<Clock> system_clock() {
  static auto c = std::make_shared<SystemClock>();
  return c;
}

bool is_retryable_status(int status) {
  return status == 408 || status == 429 || (status >= 500 && status <= 599 && status != 501 && status != 505);
}

Millis backoff_delay(int retry, const RetryPolicy& policy, std::mt19937_64& rng) {
  int64_t cap = policy.max_delay.count();
  int64_t ceiling = policy.base_delay.count();
  for (int i = 0; i < retry && ceiling < cap; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, cap);
  if (ceiling <= 0) return Millis(0);
  std::uniform_int_distribution<int64_t> dist(0, ceiling);
  return Millis(dist(rng));
}

std::optional<Millis> parse_retry_after(std::string_view value, int64_t unix_now) {
  std::string v = trim(value);
  if (v.empty()) return std::nullopt;
  if (auto secs = parse_int(v)) {
    if (*secs < 0) return std::nullopt;
    return Millis(*secs * 1000);
  }
  time_t when = curl_getdate(v.c_str(), nullptr);
  if (when == static_cast<time_t>(-1)) return std::nullopt;
  return Millis(std::max<int64_t>(0, static_cast<int64_t>(when) - unix_now) * 1000);
}

void update_rate_limit(RateLimit& rl, std::string_view remaining_header, std::string_view reset_header,
                       std::chrono::steady_clock::time_point now) {
  if (!remaining_header.empty()) {
    auto parts = split(remaining_header, ';');
    if (auto n = parse_int(parts[0])) rl.remaining = *n;
    for (size_t i = 1; i < parts.size(); ++i) {
      std::string p = trim(parts[i]);
      if (p.rfind("w=", 0) == 0)
        if (auto w = parse_int(std::string_view(p).substr(2))) rl.window_s = *w;
    }
  }
  if (!reset_header.empty())
    if (auto r = parse_int(reset_header)) rl.reset_at = now + std::chrono::seconds(*r);
}

Millis rate_limit_delay(const RateLimit& rl, std::chrono::steady_clock::time_point now, const RetryPolicy& policy) {
  if (rl.remaining < 0 || rl.remaining >= policy.rate_limit_reserve) return Millis(0);
  int64_t until_reset_ms;
  if (rl.reset_at) {
    until_reset_ms = std::chrono::duration_cast<Millis>(*rl.reset_at - now).count();
    if (until_reset_ms <= 0) return Millis(0);
  } else if (rl.window_s > 0) {
    until_reset_ms = rl.window_s * 1000;
  } else {
    return Millis(0);
  }
  // Spread what is left over the time until the reset.
  int64_t d = until_reset_ms / (rl.remaining + 1);
  return Millis(std::min<int64_t>(d, policy.max_delay.count()));
}

AttemptOutcome run_with_retries(const std::function<AttemptOutcome()>& attempt, const std::function<bool()>& can_retry,
                                const RetryPolicy& policy, Clock& clock, std::mt19937_64& rng, RetryTrace* trace) {
  auto start = clock.now();
  for (int i = 0;; ++i) {
    AttemptOutcome out = attempt();
    if (trace) trace->attempts = i + 1;
    bool retryable = out.error ? out.error->is_temporary() : is_retryable_status(out.status);
    if (!retryable || i + 1 >= policy.max_attempts || !can_retry()) return out;
    Millis wait = backoff_delay(i, policy, rng);
    if (!out.retry_after.empty())
      if (auto ra = parse_retry_after(out.retry_after, clock.unix_now())) wait = std::max(wait, *ra);
    auto spent = std::chrono::duration_cast<Millis>(clock.now() - start);
    if (spent + wait > policy.max_total) return out;
    if (trace) trace->waits.push_back(wait);
    clock.sleep_for(wait);
  }
}

}  // namespace dl::net
