#include "registry/hub/hub.h"

#include <nlohmann/json.hpp>

#include "base/strings.h"
#include "net/url.h"

namespace dl::hub {

namespace {

// Code points of valid UTF-8; nullopt-like -1 when invalid.
long utf8_length(const std::string& s) {
  long n = 0;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > s.size()) return -1;
    for (size_t k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return -1;
    i += len;
    ++n;
  }
  return n;
}

bool valid_repository(const std::string& r) {
  auto slash = r.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == r.size() || r.find('/', slash + 1) != std::string::npos)
    return false;
  for (char c : r)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' || c == '-' || c == '_' || c == '.'))
      return false;
  return true;
}

}  // namespace

Status check_page(const Page& p, const std::string& dw, const std::string& rw) {
  if (!valid_repository(p.repository))
    return invalid("hub: repository '" + p.repository + "': expected NAMESPACE/NAME on Docker Hub");
  long chars = utf8_length(p.description);
  if (chars < 0) return invalid(dw + ": not valid UTF-8");
  if (p.description.find('\n') != std::string::npos)
    return invalid(dw + ": the short description is one line; it has a line break");
  if (static_cast<size_t>(chars) > kMaxDescriptionChars)
    return invalid(dw + ": " + std::to_string(chars) + " characters; Docker Hub's short description holds at most " +
                   std::to_string(kMaxDescriptionChars));
  if (utf8_length(p.readme) < 0) return invalid(rw + ": not valid UTF-8");
  if (p.readme.size() > kMaxReadmeBytes)
    return invalid(rw + ": " + std::to_string(p.readme.size()) + " bytes; Docker Hub's README holds at most " +
                   std::to_string(kMaxReadmeBytes));
  return {};
}

Status HubClient::login(const std::string& username, const std::string& pat) {
  if (username.empty() || pat.empty())
    return invalid("hub: expected a Docker Hub user name and a personal access token");
  // The token is a secret: TLS, or plain http to this machine only (tests).
  bool loopback =
      starts_with(api_, "http://127.") || starts_with(api_, "http://localhost") || starts_with(api_, "http://[::1]");
  if (!starts_with(api_, "https://") && !loopback)
    return invalid("hub: '" + api_ + "': expected an https:// URL (a token is never sent in clear text)");
  net::Request req;
  req.method = "POST";
  req.url = api_ + "/v2/auth/token";
  req.headers.set("Content-Type", "application/json");
  req.body = nlohmann::json{{"identifier", username}, {"secret", pat}}.dump();
  req.follow_redirects = false;  // the secret goes to this URL only
  DL_ASSIGN_OR_RETURN(auto resp, http_.send(req));
  if (resp.status == 401 || resp.status == 403)
    return Error(ErrorKind::remote, "hub: " + req.url + " refused the token for '" + username + "' (HTTP " +
                                        std::to_string(resp.status) +
                                        "); expected a personal access token with write access");
  if (resp.status != 200) return net::http_error(req.method, req.url, resp);
  auto j = nlohmann::json::parse(resp.body, nullptr, false);
  for (const char* key : {"access_token", "token"})
    if (j.is_object() && j.contains(key) && j[key].is_string() && !j[key].get<std::string>().empty()) {
      access_token_ = j[key].get<std::string>();
      return {};
    }
  return Error(ErrorKind::remote, "hub: " + req.url + ": the answer has no \"access_token\"");
}

Status HubClient::describe(const Page& p) {
  if (access_token_.empty()) return invalid("hub: describe before login");
  net::Request req;
  req.method = "PATCH";
  req.url = api_ + "/v2/repositories/" + p.repository + "/";
  req.headers.set("Content-Type", "application/json");
  req.headers.set("Authorization", "Bearer " + access_token_);
  req.body = nlohmann::json{{"description", p.description}, {"full_description", p.readme}}.dump();
  req.follow_redirects = false;
  DL_ASSIGN_OR_RETURN(auto resp, http_.send(req));
  if (resp.status == 404)
    return not_found("hub: " + p.repository + ": no such repository on Docker Hub (push an image to it first)");
  if (resp.status == 401 || resp.status == 403)
    return Error(ErrorKind::remote, "hub: " + p.repository + ": not allowed (HTTP " + std::to_string(resp.status) +
                                        "); the token needs write access to the repository");
  if (resp.status != 200) return net::http_error(req.method, req.url, resp);
  return {};
}

}  // namespace dl::hub
