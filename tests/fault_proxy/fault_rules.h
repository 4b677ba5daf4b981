// The fault schedule of dl_fault_proxy: a list of rules, one per line
// ('#' starts a comment), each
//
//   ACTION [ARG] [method=REGEX] [path=REGEX] [nth=N] [count=N|all] [rate=P] [seed=S]
//                [retry-after=SECONDS|date|date:SECONDS]
//
// ACTION ARG
//   status CODE          answer CODE (e.g. 503, 500, 429) without contacting the
//                        upstream; the request body is read and discarded first.
//                        retry-after=1 adds "Retry-After: 1"; retry-after=date adds
//                        an IMF-fixdate 1 s ahead (date:N: N s ahead).
//   close                close the client connection without any answer.
//   drop-request BYTES   forward the request head and BYTES bytes of its body
//                        (as on the wire), then close both connections.
//   drop-response BYTES  forward the response head and BYTES bytes of its body,
//                        then close both connections.
//   delay MS             wait MS milliseconds before forwarding (combines with
//                        any other action).
//   max-body BYTES       answer 413 when the request body is larger than BYTES
//                        (by Content-Length; chunked bodies count as larger).
// Matching: method= must match the whole method (e.g. PATCH|PUT), path= is
// searched in the request target (path and query). Omitted: matches all.
// Selection: every rule counts the requests it matches; it fires on matches
// nth .. nth+count-1 (nth default 1; count default 1 for status/close/drop-*,
// all for delay/max-body), or, with rate=P, on each match with probability P
// drawn from its own generator seeded with seed (default 1): deterministic for
// a given request order. Several rules may match a request; delays add up and
// the first firing rule with another action decides the outcome.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace dl::test {

enum class FaultAction { status, close, drop_request, drop_response, delay, max_body };
const char* to_string(FaultAction action);

struct FaultRule {
  FaultAction action = FaultAction::status;
  std::uint64_t arg = 0;     // status code, byte count or milliseconds
  std::string method_regex;  // empty: any
  std::string path_regex;    // empty: any
  std::uint64_t nth = 1;
  std::uint64_t count = 1;  // 0: unlimited
  double rate = -1;         // >= 0: probabilistic selection instead of nth/count
  std::uint64_t seed = 1;
  // Retry-After header for `status`: none, delta-seconds, or HTTP-date.
  enum class RetryAfter { none, seconds, date } retry_after = RetryAfter::none;
  std::uint64_t retry_after_seconds = 1;
  std::string text;  // the source line, for logs
};

// Parses a schedule; errors name `source` and the 1-based line.
Result<std::vector<FaultRule>> parse_fault_rules(std::string_view text, std::string_view source = "rules");
// Parses one rule (the same syntax as a line).
Result<FaultRule> parse_fault_rule(std::string_view line);

}  // namespace dl::test
