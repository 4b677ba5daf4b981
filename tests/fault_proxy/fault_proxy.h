// dl_fault_proxy: an HTTP/1.1 reverse proxy on 127.0.0.1 in front of a plain
// http registry that injects the faults of a schedule (see fault_rules.h) and
// otherwise forwards bytes exactly. The Host header is passed through, so the
// registry builds Location URLs for the proxy; absolute Locations naming the
// upstream are rewritten to the proxy as well. Every injected fault is one
// line in the fault log:
//
//   fault req=7 rule=1 action=status 503 PATCH /v2/x/blobs/uploads/abc retry-after=1
//
//   auto reg = RegistryServer::start(RegistryMode::plain);
//   auto proxy = FaultProxy::start(reg->host(), "status 503 method=PUT nth=1 retry-after=1");
//   ... push to proxy->host() ...
//   EXPECT_EQ(proxy->counters().faults, 1u);
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "tests/fault_proxy/fault_rules.h"
#include "tests/fault_proxy/link.h"

namespace dl::test {

struct FaultProxyOptions {
  int listen_port = 0;   // 0: any free port
  std::string log_path;  // fault log file (appended); empty: in memory only
  // A schedule file re-read whenever its modification time changes (the
  // "control file" for scripts); the new rules replace the old ones and
  // start counting from zero. Parse errors keep the old rules and are logged.
  std::string rules_file;
  // The client side of every connection goes through this link (one-way
  // delay RTT/2 per direction, a bandwidth cap shared by all connections);
  // see link.h. Faults are decided as requests arrive through it.
  LinkProfile link;
};

struct FaultCounters {
  std::uint64_t requests = 0;                      // requests read from clients
  std::uint64_t forwarded = 0;                     // requests sent upstream (including cut ones)
  std::uint64_t faults = 0;                        // injected faults (delays included)
  std::map<std::string, std::uint64_t> by_action;  // "status", "drop-response", ...
  std::map<int, std::uint64_t> injected_status;    // status code -> injected count
  LinkCounters link;                               // bytes through the link emulation
  std::uint64_t connections = 0;                   // client connections accepted
};

// One request as the proxy read it, for tests that count what a client did.
struct RequestRecord {
  std::string method, target;  // target as sent: "/v2/x/blobs/uploads/?mount=...&from=..."
  int status = 0;              // status returned to the client; 0: none (connection cut)
  // When the proxy had read the request, and when it answered it (read_at
  // while unanswered): how many requests a client had in flight at once.
  std::chrono::steady_clock::time_point read_at, answered_at;
};

// The most requests that were read and not yet answered at one moment.
size_t peak_in_flight(const std::vector<RequestRecord>& requests);

class FaultProxy {
 public:
  // `upstream` is "HOST:PORT" or "http://HOST:PORT".
  static Result<std::unique_ptr<FaultProxy>> start(const std::string& upstream, std::vector<FaultRule> rules,
                                                   FaultProxyOptions options = {});
  // Same, with the schedule as text (rules separated by newlines or ';').
  static Result<std::unique_ptr<FaultProxy>> start(const std::string& upstream, std::string_view schedule,
                                                   FaultProxyOptions options = {});
  ~FaultProxy();  // closes the listener and every open connection, joins threads
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  int port() const;
  std::string host() const;      // "127.0.0.1:PORT"
  std::string base_url() const;  // "http://127.0.0.1:PORT"
  // Replaces the schedule; rule counters restart from zero (proxy totals do not).
  Status set_rules(std::vector<FaultRule> rules);
  FaultCounters counters() const;
  // The lines written to the log so far: "fault ..." per injected fault, plus
  // "rules-loaded ..."/"rules-error ..."/"rules-set ..." bookkeeping lines.
  std::vector<std::string> fault_log() const;
  // Every request read so far, in arrival order (the first 1,000,000).
  std::vector<RequestRecord> requests() const;
  void clear_requests();

 private:
  struct Impl;
  explicit FaultProxy(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dl::test
