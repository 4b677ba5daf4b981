// The proxy's rule engine: which faults a request gets, the counters and the
// fault log. Thread-safe; the networking lives in fault_proxy.cc.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <ctime>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/result.h"
#include "tests/fault_proxy/fault_proxy.h"
#include "tests/fault_proxy/fault_rules.h"
#include "tests/fault_proxy/wire.h"

namespace dl::test {

// What to do with one request.
struct FaultDecision {
  std::uint64_t seq = 0;       // 1-based request number
  std::uint64_t delay_ms = 0;  // sum of firing delay rules
  bool has_terminal = false;   // a status/close/drop/max-body rule fired
  FaultRule terminal;
  size_t terminal_index = 0;
};

class FaultSchedule {
 public:
  FaultSchedule();
  ~FaultSchedule();
  FaultSchedule(const FaultSchedule&) = delete;
  FaultSchedule& operator=(const FaultSchedule&) = delete;

  // Regexes of rules built by hand (not by the parser) are checked here.
  static Status validate(const std::vector<FaultRule>& rules);
  Status open_log(const std::string& path);
  // Loads `path` now (errors returned) and again whenever it changes (errors logged).
  Status watch_file(const std::string& path);
  void replace(std::vector<FaultRule> rules, const std::string& why);

  // Counts the request, advances every matching rule, logs the faults
  // decided now (status, close, max-body, delay).
  FaultDecision decide(const wire::Head& request);
  // drop-request/drop-response are logged once we know whether the body was
  // long enough to cut.
  void record_cut(const FaultDecision& d, const wire::Head& request, bool cut, std::uint64_t bytes);
  void count_forwarded();

  FaultCounters counters() const;
  std::vector<std::string> log() const;

 private:
  struct RuleState;
  void write_log(const std::string& line);
  void count_fault(const std::string& action, int status);
  void log_fault(std::uint64_t req, size_t rule_index, const FaultRule& rule, const wire::Head& h,
                 const std::string& extra);
  void install(std::vector<FaultRule> rules);
  void maybe_reload();

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<RuleState>> rules_;
  FaultCounters counters_;
  std::vector<std::string> log_lines_;
  std::uint64_t seq_ = 0;
  int log_fd_ = -1;
  std::string rules_file_;
  struct timespec rules_mtime_ {};
  off_t rules_size_ = -1;
};

}  // namespace dl::test
