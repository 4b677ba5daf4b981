#include "tests/fault_proxy/fault_schedule.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <regex>

#include "base/fs.h"

namespace dl::test {

struct FaultSchedule::RuleState {
  FaultRule rule;
  std::regex method_re, path_re;
  std::uint64_t matches = 0;
  std::mt19937_64 rng;

  explicit RuleState(FaultRule r) : rule(std::move(r)), rng(rule.seed) {
    // Patterns were checked by the parser or validate().
    if (!rule.method_regex.empty()) method_re = std::regex(rule.method_regex);
    if (!rule.path_regex.empty()) path_re = std::regex(rule.path_regex);
  }

  bool matches_request(const wire::Head& h) const {
    if (!rule.method_regex.empty() && !std::regex_match(h.method, method_re)) return false;
    if (!rule.path_regex.empty() && !std::regex_search(h.target, path_re)) return false;
    return true;
  }

  bool fires() {
    if (rule.rate >= 0) return std::uniform_real_distribution<double>(0.0, 1.0)(rng) < rule.rate;
    return matches >= rule.nth && (rule.count == 0 || matches < rule.nth + rule.count);
  }
};

FaultSchedule::FaultSchedule() = default;

FaultSchedule::~FaultSchedule() {
  if (log_fd_ >= 0) ::close(log_fd_);
}

Status FaultSchedule::validate(const std::vector<FaultRule>& rules) {
  for (const auto& r : rules) {
    try {
      if (!r.method_regex.empty()) std::regex m(r.method_regex);
      if (!r.path_regex.empty()) std::regex p(r.path_regex);
    } catch (const std::regex_error&) {
      return invalid("bad regular expression in fault rule '" + r.text + "'");
    }
  }
  return {};
}

Status FaultSchedule::open_log(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return io_error("opening fault log " + path + ": " + std::strerror(errno));
  std::lock_guard<std::mutex> lock(mu_);
  if (log_fd_ >= 0) ::close(log_fd_);
  log_fd_ = fd;
  return {};
}

Status FaultSchedule::watch_file(const std::string& path) {
  // Fail fast on a broken schedule at start; later edits only log errors.
  DL_ASSIGN_OR_RETURN(std::string text, read_file(path));
  DL_TRY(parse_fault_rules(text, path));
  std::lock_guard<std::mutex> lock(mu_);
  rules_file_ = path;
  maybe_reload();
  return {};
}

void FaultSchedule::replace(std::vector<FaultRule> rules, const std::string& why) {
  std::lock_guard<std::mutex> lock(mu_);
  install(std::move(rules));
  if (!why.empty()) write_log(why + " (" + std::to_string(rules_.size()) + " rules)");
}

void FaultSchedule::install(std::vector<FaultRule> rules) {
  rules_.clear();
  for (auto& r : rules) rules_.push_back(std::make_unique<RuleState>(std::move(r)));
}

void FaultSchedule::write_log(const std::string& line) {
  log_lines_.push_back(line);
  if (log_fd_ >= 0) {
    std::string l = line + "\n";
    ssize_t n = ::write(log_fd_, l.data(), l.size());
    (void)n;
  }
}

void FaultSchedule::count_fault(const std::string& action, int status) {
  ++counters_.faults;
  ++counters_.by_action[action];
  if (status) ++counters_.injected_status[status];
}

void FaultSchedule::log_fault(std::uint64_t req, size_t rule_index, const FaultRule& rule, const wire::Head& h,
                              const std::string& extra) {
  std::string line = "fault req=" + std::to_string(req) + " rule=" + std::to_string(rule_index + 1) +
                     " action=" + to_string(rule.action);
  if (rule.action != FaultAction::close) line += " " + std::to_string(rule.arg);
  line += " " + h.method + " " + h.target;
  if (!extra.empty()) line += " " + extra;
  write_log(line);
}

void FaultSchedule::maybe_reload() {
  if (rules_file_.empty()) return;
  struct stat st;
  if (::stat(rules_file_.c_str(), &st) != 0) return;
  if (st.st_mtim.tv_sec == rules_mtime_.tv_sec && st.st_mtim.tv_nsec == rules_mtime_.tv_nsec &&
      st.st_size == rules_size_)
    return;
  rules_mtime_ = st.st_mtim;
  rules_size_ = st.st_size;
  auto text = read_file(rules_file_);
  if (!text.ok()) {
    write_log("rules-error " + text.error().message());
    return;
  }
  auto parsed = parse_fault_rules(*text, rules_file_);
  if (!parsed.ok()) {
    write_log("rules-error " + parsed.error().message() + " (keeping previous rules)");
    return;
  }
  write_log("rules-loaded " + rules_file_ + " (" + std::to_string(parsed->size()) + " rules)");
  install(std::move(*parsed));
}

FaultDecision FaultSchedule::decide(const wire::Head& h) {
  std::lock_guard<std::mutex> lock(mu_);
  maybe_reload();
  FaultDecision d;
  d.seq = ++seq_;
  ++counters_.requests;
  wire::BodyFraming body = wire::request_framing(h);
  for (size_t i = 0; i < rules_.size(); ++i) {
    RuleState& rs = *rules_[i];
    if (!rs.matches_request(h)) continue;
    ++rs.matches;
    if (!rs.fires()) continue;
    const FaultRule& r = rs.rule;
    if (r.action == FaultAction::delay) {
      d.delay_ms += r.arg;
      count_fault("delay", 0);
      log_fault(d.seq, i, r, h, "");
      continue;
    }
    if (d.has_terminal) continue;
    if (r.action == FaultAction::max_body) {
      bool larger = body.kind == wire::Framing::chunked || (body.kind == wire::Framing::length && body.length > r.arg);
      if (!larger) continue;
      count_fault("max-body", 413);
      log_fault(d.seq, i, r, h,
                body.kind == wire::Framing::chunked ? "body=chunked" : "body=" + std::to_string(body.length));
    } else if (r.action == FaultAction::status) {
      count_fault("status", static_cast<int>(r.arg));
      std::string extra;
      if (r.retry_after == FaultRule::RetryAfter::seconds)
        extra = "retry-after=" + std::to_string(r.retry_after_seconds);
      if (r.retry_after == FaultRule::RetryAfter::date) extra = "retry-after=date";
      log_fault(d.seq, i, r, h, extra);
    } else if (r.action == FaultAction::close) {
      count_fault("close", 0);
      log_fault(d.seq, i, r, h, "");
    }
    d.has_terminal = true;
    d.terminal = r;
    d.terminal_index = i;
  }
  return d;
}

void FaultSchedule::record_cut(const FaultDecision& d, const wire::Head& h, bool cut, std::uint64_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  if (cut) count_fault(to_string(d.terminal.action), 0);
  log_fault(d.seq, d.terminal_index, d.terminal, h,
            (cut ? "cut-after=" : "skipped body-ended-at=") + std::to_string(bytes));
}

void FaultSchedule::count_forwarded() {
  std::lock_guard<std::mutex> lock(mu_);
  ++counters_.forwarded;
}

FaultCounters FaultSchedule::counters() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counters_;
}

std::vector<std::string> FaultSchedule::log() const {
  std::lock_guard<std::mutex> lock(mu_);
  return log_lines_;
}

}  // namespace dl::test
