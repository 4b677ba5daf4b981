#include <nlohmann/json.hpp>

#include "base/json_limits.h"
#include "net/http.h"
#include "net/url.h"

namespace dl::net {

std::vector<RegistryError> parse_registry_errors(std::string_view body) {
  std::vector<RegistryError> out;
  // An error body is only ever decoration for a message: past the bounds it
  // is ignored, never parsed.
  if (!check_json_limits(body, "error body", {64u << 10, 16}).ok()) return out;
  auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("errors") || !j["errors"].is_array()) return out;
  for (const auto& e : j["errors"]) {
    if (!e.is_object()) continue;
    if (out.size() >= 8) break;
    RegistryError re;
    if (e.contains("code") && e["code"].is_string()) re.code = e["code"].get<std::string>();
    if (e.contains("message") && e["message"].is_string()) re.message = e["message"].get<std::string>();
    out.push_back(std::move(re));
  }
  return out;
}

bool has_registry_error(const Response& resp, std::string_view code) {
  for (const auto& e : parse_registry_errors(resp.body))
    if (e.code == code) return true;
  return false;
}

std::string status_text(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 416: return "Range Not Satisfiable";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
  }
}

Error http_error(std::string_view method, std::string_view url, const Response& resp) {
  std::string msg = std::string(method) + " " + redact_url(url) + ": " + std::to_string(resp.status);
  if (auto t = status_text(resp.status); !t.empty()) msg += " " + t;
  auto errs = parse_registry_errors(resp.body);
  for (const auto& e : errs) {
    msg += ": " + e.code;
    if (!e.message.empty()) msg += " (" + redact_urls_in(e.message.substr(0, 200)) + ")";
  }
  if (errs.empty() && !resp.body.empty() && resp.body.size() <= 200) {
    bool printable = true;
    for (unsigned char c : resp.body)
      if (c < 0x20 && c != '\n' && c != '\r' && c != '\t') printable = false;
    if (printable) {
      std::string b = resp.body;
      while (!b.empty() && (b.back() == '\n' || b.back() == '\r')) b.pop_back();
      if (!b.empty()) msg += ": " + b;
    }
  }
  if (!resp.hint.empty()) msg += "; " + resp.hint;
  ErrorKind kind = resp.status == 404 ? ErrorKind::not_found : ErrorKind::remote;
  return Error(kind, msg, is_retryable_status(resp.status)).with_status(resp.status);
}

}  // namespace dl::net
