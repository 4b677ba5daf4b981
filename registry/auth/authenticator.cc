#include "registry/auth/authenticator.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/strings.h"
#include "registry/auth/base64.h"
#include "net/url.h"

namespace dl::registry {

using net::HttpClient;
using net::Request;
using net::Response;
using net::BodySink;
using net::http_error;
using net::resolve_url;
using net::redact_url;
using net::add_query;
using net::url_encode;

namespace {

const Challenge* find_scheme(const std::vector<Challenge>& cs, std::string_view scheme) {
  for (const auto& c : cs)
    if (c.scheme == scheme) return &c;
  return nullptr;
}

std::string join_sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return join(v, " ");
}

}  // namespace

std::string pull_scope(const std::string& repository) { return "repository:" + repository + ":pull"; }
std::string push_scope(const std::string& repository) { return "repository:" + repository + ":pull,push"; }

Authenticator::Authenticator(HttpClient& http, CredentialStore creds) : http_(http), creds_(std::move(creds)) {}

int Authenticator::token_fetches() const {
  std::lock_guard<std::mutex> l(mu_);
  return token_fetches_;
}

Status Authenticator::ping(const std::string& origin_url) {
  Request req;
  req.method = "GET";
  req.url = origin_url + "/v2/";
  auto r = http_.send(req);
  if (!r.ok()) return r.error();
  OriginState st;
  st.known = true;
  if (r->status == 401) {
    for (const auto& h : r->headers.get_all("WWW-Authenticate")) {
      auto cs = parse_challenges(h);
      st.challenges.insert(st.challenges.end(), cs.begin(), cs.end());
    }
  } else if (r->status >= 500 || r->status == 429) {
    return http_error("GET", req.url, *r);
  }
  // 200, 404 (no /v2/ endpoint on some mirrors): no challenge known yet.
  std::lock_guard<std::mutex> l(mu_);
  origins_[origin_url] = std::move(st);
  return {};
}

Result<Authenticator::CachedToken> Authenticator::fetch_token(const Challenge& c, const Credential& cred,
                                                               const std::vector<std::string>& scopes) {
  std::string realm = c.param("realm");
  if (realm.empty()) return Error(ErrorKind::remote, "bearer challenge without realm");
  Request req;
  std::string url = realm;
  if (!cred.identity_token.empty()) {
    // OAuth2 refresh-token grant, as Docker does for identity tokens.
    req.method = "POST";
    std::string form = "grant_type=refresh_token&client_id=dlimage&refresh_token=" + url_encode(cred.identity_token);
    if (!c.param("service").empty()) form += "&service=" + url_encode(c.param("service"));
    for (const auto& s : scopes) form += "&scope=" + url_encode(s);
    req.body = form;
    req.headers.set("Content-Type", "application/x-www-form-urlencoded");
  } else {
    if (!c.param("service").empty()) url = add_query(url, "service", c.param("service"));
    for (const auto& s : scopes) url = add_query(url, "scope", s);
    if (!cred.username.empty())
      req.headers.set("Authorization", "Basic " + base64_encode(cred.username + ":" + cred.password));
  }
  req.url = url;
  {
    std::lock_guard<std::mutex> l(mu_);
    ++token_fetches_;
  }
  auto r = http_.send(req);
  if (!r.ok()) return r.error().wrap("fetching token");
  std::string who = cred.empty() ? "anonymously" : cred.username.empty() ? "with identity token" : "as '" + cred.username + "'";
  if (r->status != 200)
    return http_error(req.method, realm, *r).wrap("authenticating " + who + " for " + join(scopes, " "));
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return Error(ErrorKind::remote, "token response from " + redact_url(realm) + " is not a JSON object");
  CachedToken t;
  for (const char* key : {"token", "access_token"})
    if (t.token.empty() && j.contains(key) && j[key].is_string()) t.token = j[key].get<std::string>();
  if (t.token.empty())
    return Error(ErrorKind::remote, "token response from " + redact_url(realm) + " has neither token nor access_token");
  int64_t ttl = 60;
  if (j.contains("expires_in") && j["expires_in"].is_number_integer()) ttl = j["expires_in"].get<int64_t>();
  if (ttl <= 0) ttl = 60;
  // Renew a little early so a token does not expire mid-request.
  int64_t skew = std::min<int64_t>(30, ttl / 4);
  t.expires = http_.clock().now() + std::chrono::seconds(ttl - skew);
  return t;
}

Result<std::string> Authenticator::authorization(const std::string& registry_name, const std::string& origin,
                                                  const std::vector<std::string>& scopes, bool force_refresh) {
  OriginState st;
  {
    std::lock_guard<std::mutex> l(mu_);
    st = origins_[origin];
  }
  if (!st.known) {
    // One ping per origin: the parallel first requests of a push wait for
    // it instead of each sending its own.
    std::shared_ptr<std::mutex> ping_lock;
    {
      std::lock_guard<std::mutex> l(mu_);
      auto& slot = fetch_locks_["ping " + origin];
      if (!slot) slot = std::make_shared<std::mutex>();
      ping_lock = slot;
    }
    std::lock_guard<std::mutex> pinging(*ping_lock);
    {
      std::lock_guard<std::mutex> l(mu_);
      st = origins_[origin];
    }
    if (!st.known) {
      DL_TRY(ping(origin));
      std::lock_guard<std::mutex> l(mu_);
      st = origins_[origin];
    }
  }
  if (st.challenges.empty()) return std::string();
  Credential cred;
  {
    std::unique_lock<std::mutex> l(mu_);
    auto it = cred_cache_.find(registry_name);
    if (it != cred_cache_.end()) {
      cred = it->second;
    } else {
      l.unlock();
      auto c = creds_.lookup(registry_name);
      if (!c.ok()) return c.error();
      cred = *c;
      l.lock();
      cred_cache_[registry_name] = cred;
    }
  }
  if (const Challenge* bearer = find_scheme(st.challenges, "bearer")) {
    std::string key = origin + " " + join_sorted(scopes);
    // One fetch per key at a time: parallel blob pushes share the token.
    std::shared_ptr<std::mutex> key_lock;
    {
      std::lock_guard<std::mutex> l(mu_);
      auto& slot = fetch_locks_[key];
      if (!slot) slot = std::make_shared<std::mutex>();
      key_lock = slot;
    }
    std::lock_guard<std::mutex> fetching(*key_lock);
    {
      std::lock_guard<std::mutex> l(mu_);
      auto it = tokens_.find(key);
      if (!force_refresh && it != tokens_.end() && it->second.expires > http_.clock().now())
        return "Bearer " + it->second.token;
    }
    auto t = fetch_token(*bearer, cred, scopes);
    if (!t.ok()) return t.error();
    std::lock_guard<std::mutex> l(mu_);
    tokens_[key] = *t;
    return "Bearer " + t->token;
  }
  if (find_scheme(st.challenges, "basic")) {
    if (cred.username.empty())
      return Error(ErrorKind::remote, registry_name + " requires basic authentication and no credentials are "
                                                      "configured (docker config: " + CredentialStore::default_path() + ")");
    return "Basic " + base64_encode(cred.username + ":" + cred.password);
  }
  return Error(ErrorKind::unsupported, registry_name + ": unsupported authentication scheme '" +
                                           st.challenges.front().scheme + "'");
}

Result<Response> Authenticator::send(const std::string& registry_name, const Request& req,
                                     const std::vector<std::string>& scopes, const BodySink& sink) {
  std::string base;
  {
    // The ping goes to scheme://host[:port] of this request.
    auto r = resolve_url(req.url, "/");
    if (!r.ok()) return r.error();
    base = *r;
    if (!base.empty() && base.back() == '/') base.pop_back();
  }
  for (int round = 0; round < 2; ++round) {
    auto auth = authorization(registry_name, base, scopes, round > 0);
    if (!auth.ok()) return auth.error();
    Request r = req;
    if (!auth->empty()) r.headers.set("Authorization", *auth);
    auto resp = http_.send(r, sink);
    if (!resp.ok() || resp->status != 401 || round > 0) return resp;
    // 401: the origin may have changed its challenge (or a token expired
    // early); learn the challenge from this response and try once more.
    OriginState st;
    st.known = true;
    for (const auto& h : resp->headers.get_all("WWW-Authenticate")) {
      auto cs = parse_challenges(h);
      st.challenges.insert(st.challenges.end(), cs.begin(), cs.end());
    }
    if (st.challenges.empty()) return resp;
    std::lock_guard<std::mutex> l(mu_);
    origins_[base] = std::move(st);
  }
  return Error(ErrorKind::internal, "unreachable");
}

}  // namespace dl::registry
