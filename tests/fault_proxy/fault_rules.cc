#include "tests/fault_proxy/fault_rules.h"

#include <charconv>
#include <regex>

#include "base/strings.h"

namespace dl::test {
namespace {

bool parse_u64(std::string_view s, std::uint64_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool parse_double(const std::string& s, double& out) {
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return !s.empty() && end == s.c_str() + s.size();
}

bool valid_regex(const std::string& re) {
  // std::regex reports bad patterns by exception; catch it here so callers
  // get an error value naming the rule.
  try {
    std::regex r(re);
    return true;
  } catch (const std::regex_error&) {
    return false;
  }
}

std::vector<std::string> words(std::string_view line) {
  std::vector<std::string> out;
  for (auto& w : split(line, ' '))
    for (auto& t : split(w, '\t'))
      if (!t.empty()) out.push_back(t);
  return out;
}

}  // namespace

const char* to_string(FaultAction action) {
  switch (action) {
    case FaultAction::status: return "status";
    case FaultAction::close: return "close";
    case FaultAction::drop_request: return "drop-request";
    case FaultAction::drop_response: return "drop-response";
    case FaultAction::delay: return "delay";
    case FaultAction::max_body: return "max-body";
  }
  return "?";
}

Result<FaultRule> parse_fault_rule(std::string_view line) {
  FaultRule rule;
  rule.text = trim(line);
  auto w = words(line);
  if (w.empty()) return invalid("empty rule");
  static const std::pair<const char*, FaultAction> kActions[] = {{"status", FaultAction::status},
                                                                 {"close", FaultAction::close},
                                                                 {"drop-request", FaultAction::drop_request},
                                                                 {"drop-response", FaultAction::drop_response},
                                                                 {"delay", FaultAction::delay},
                                                                 {"max-body", FaultAction::max_body}};
  bool known = false;
  std::vector<std::string> names;
  for (const auto& [name, action] : kActions) {
    names.push_back(name);
    if (w[0] == name) {
      rule.action = action;
      known = true;
    }
  }
  if (!known) {
    std::string hint = nearest(w[0], names);
    return invalid("unknown fault action '" + w[0] + "' (expected one of " + join(names, ", ") + ")" +
                   (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
  }
  size_t i = 1;
  if (rule.action != FaultAction::close) {
    if (w.size() < 2 || !parse_u64(w[1], rule.arg))
      return invalid("'" + w[0] + "' needs a number (" +
                     (rule.action == FaultAction::status  ? "HTTP status"
                      : rule.action == FaultAction::delay ? "milliseconds"
                                                          : "bytes") +
                     ")");
    if (rule.action == FaultAction::status && (rule.arg < 100 || rule.arg > 599))
      return invalid("status " + w[1] + " is not an HTTP status code");
    i = 2;
  }
  rule.count = (rule.action == FaultAction::delay || rule.action == FaultAction::max_body) ? 0 : 1;
  for (; i < w.size(); ++i) {
    auto eq = w[i].find('=');
    if (eq == std::string::npos) return invalid("expected key=value, got '" + w[i] + "'");
    std::string key = w[i].substr(0, eq), value = w[i].substr(eq + 1);
    if (key == "method" || key == "path") {
      if (!valid_regex(value)) return invalid("bad regular expression in " + w[i]);
      (key == "method" ? rule.method_regex : rule.path_regex) = value;
    } else if (key == "nth") {
      if (!parse_u64(value, rule.nth) || rule.nth == 0) return invalid("nth must be a number >= 1: " + w[i]);
    } else if (key == "count") {
      if (value == "all")
        rule.count = 0;
      else if (!parse_u64(value, rule.count) || rule.count == 0)
        return invalid("count must be a number >= 1 or 'all': " + w[i]);
    } else if (key == "rate") {
      if (!parse_double(value, rule.rate) || rule.rate < 0 || rule.rate > 1)
        return invalid("rate must be between 0 and 1: " + w[i]);
    } else if (key == "seed") {
      if (!parse_u64(value, rule.seed)) return invalid("seed must be a number: " + w[i]);
    } else if (key == "retry-after") {
      if (rule.action != FaultAction::status) return invalid("retry-after only applies to 'status' rules");
      if (value == "date") {
        rule.retry_after = FaultRule::RetryAfter::date;
      } else if (starts_with(value, "date:")) {
        rule.retry_after = FaultRule::RetryAfter::date;
        if (!parse_u64(value.substr(5), rule.retry_after_seconds)) return invalid("bad " + w[i]);
      } else {
        rule.retry_after = FaultRule::RetryAfter::seconds;
        if (!parse_u64(value, rule.retry_after_seconds)) return invalid("bad " + w[i]);
      }
    } else {
      return invalid("unknown key '" + key + "' (expected method, path, nth, count, rate, seed, retry-after)");
    }
  }
  return rule;
}

Result<std::vector<FaultRule>> parse_fault_rules(std::string_view text, std::string_view source) {
  std::vector<FaultRule> rules;
  size_t lineno = 0;
  for (const auto& raw : split(text, '\n')) {
    ++lineno;
    std::string line = raw;
    if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    line = trim(line);
    if (line.empty()) continue;
    auto rule = parse_fault_rule(line);
    if (!rule.ok()) return rule.error().wrap(std::string(source) + ":" + std::to_string(lineno));
    rules.push_back(std::move(*rule));
  }
  return rules;
}

}  // namespace dl::test
