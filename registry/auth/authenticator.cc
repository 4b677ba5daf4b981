#include "registry/auth/authenticator.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/base64.h"
#include "base/json_limits.h"
#include "base/strings.h"
#include "net/url.h"

namespace dl::registry {

using net::add_query;
using net::BodySink;
using net::http_error;
using net::HttpClient;
using net::redact_url;
using net::Request;
using net::resolve_url;
using net::Response;
using net::url_encode;
using net::url_host;
using net::url_origin;

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

Response Authenticator::refused(const std::string& registry_name, Response resp) {
  auto cred = creds_.lookup(registry_name);
  resp.hint = refused_hint(registry_name, cred.ok() ? *cred : Credential{});
  return resp;
}

Status Authenticator::ping(const std::string& origin_url) {
  Request req;
  req.method = "GET";
  req.url = origin_url + "/v2/";
  auto r = http_.send(req);
  if (!r.ok()) return r.error();
  OriginState st;
  st.known = true;
  if (r->status == 401 && url_origin(r->url) != url_origin(req.url))
    return Error(ErrorKind::remote, "GET " + redact_url(req.url) + " was redirected to " + url_host(r->url) +
                                        ", which answered 401 Unauthorized; credentials go only to the registry " +
                                        url_host(req.url) + ", never to another host");
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

void Authenticator::allow_insecure_realm(std::string host) {
  std::lock_guard<std::mutex> l(mu_);
  insecure_realms_.push_back(to_lower(host));
}

Status Authenticator::check_realm(const std::string& realm, const std::string& origin, const Credential& cred) const {
  std::string who = "registry " + url_host(origin + "/");
  DL_TRY(net::require_http_url(realm, who + ": token realm"));
  if (net::url_scheme(realm) == "https" || net::is_loopback_url(realm)) return {};
  {
    std::lock_guard<std::mutex> l(mu_);
    for (const auto& h : insecure_realms_)
      if (h == to_lower(url_host(realm)) || h == net::url_hostname(realm)) return {};
  }
  std::string hint = " (pass --insecure-realm " + net::url_hostname(realm) + " to allow it)";
  if (net::url_scheme(origin) == "https")
    return Error(ErrorKind::remote, who + " is https but names the plain-http token realm " + redact_url(realm) +
                                        "; refusing to fetch tokens in clear text" + hint);
  if (!cred.empty())
    return Error(ErrorKind::remote, who + ": credentials go to a token realm only over https, and " +
                                        redact_url(realm) + " is plain http" + hint);
  return {};
}

Result<Authenticator::CachedToken> Authenticator::fetch_token(const Challenge& c, const Credential& cred,
                                                              const std::vector<std::string>& scopes,
                                                              const std::string& origin) {
  std::string realm = c.param("realm");
  if (realm.empty()) return Error(ErrorKind::remote, "bearer challenge without realm");
  DL_TRY(check_realm(realm, origin, cred));
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
  std::string who = cred.empty()            ? "anonymously"
                    : cred.username.empty() ? "with identity token"
                                            : "as '" + cred.username + "'";
  if (r->status != 200)
    return http_error(req.method, realm, *r).wrap("authenticating " + who + " for " + join(scopes, " "));
  DL_TRY(check_json_limits(r->body, "token response from " + redact_url(realm), {1u << 20, 16}));
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
    auto t = fetch_token(*bearer, cred, scopes, origin);
    if (!t.ok() && (t.error().status() == 401 || t.error().status() == 403))
      return Error(t.error().kind(), t.error().message() + "; " + refused_hint(registry_name, cred)).with_status(401);
    if (!t.ok()) return t.error();
    std::lock_guard<std::mutex> l(mu_);
    tokens_[key] = *t;
    return "Bearer " + t->token;
  }
  if (find_scheme(st.challenges, "basic")) {
    if (cred.username.empty())
      return Error(ErrorKind::remote, registry_name + " requires basic authentication and there are no credentials (" +
                                          creds_.describe(registry_name) + "): run `dlimage login " + registry_name +
                                          "`")
          .with_status(401);
    return "Basic " + base64_encode(cred.username + ":" + cred.password);
  }
  return Error(ErrorKind::unsupported,
               registry_name + ": unsupported authentication scheme '" + st.challenges.front().scheme + "'");
}

std::string Authenticator::refused_hint(const std::string& registry_name, const Credential& cred) const {
  std::string login = "`dlimage login " + registry_name + "`";
  if (cred.empty())
    return "sent no credentials (" + creds_.describe(registry_name) +
           "): if the repository exists and is private, run " + login;
  return "the registry refused " + creds_.describe(registry_name) + ": check them, or run " + login;
}

Result<std::optional<Response>> Authenticator::learn_from(const std::string& origin, const Request& req,
                                                          const BodySink& sink) {
  std::shared_ptr<std::mutex> ping_lock;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (origins_[origin].known) return std::optional<Response>();
    auto& slot = fetch_locks_["ping " + origin];
    if (!slot) slot = std::make_shared<std::mutex>();
    ping_lock = slot;
  }
  // The parallel first requests wait for this one, as they would for a ping.
  std::lock_guard<std::mutex> pinging(*ping_lock);
  {
    std::lock_guard<std::mutex> l(mu_);
    if (origins_[origin].known) return std::optional<Response>();
  }
  auto resp = http_.send(req, sink);
  if (!resp.ok()) return resp.error();
  // Learnt nothing: an overloaded registry, or another host's 401.
  if (resp->status >= 500 || resp->status == 429 || (resp->status == 401 && url_origin(resp->url) != origin))
    return std::optional<Response>(std::move(*resp));
  OriginState st;
  st.known = true;
  if (resp->status == 401)
    for (const auto& h : resp->headers.get_all("WWW-Authenticate")) {
      auto cs = parse_challenges(h);
      st.challenges.insert(st.challenges.end(), cs.begin(), cs.end());
    }
  std::lock_guard<std::mutex> l(mu_);
  origins_[origin] = std::move(st);
  return std::optional<Response>(std::move(*resp));
}

namespace {

Error foreign_401(const Request& req, const Response& resp, const std::string& registry_origin) {
  std::string via = url_origin(resp.url) == url_origin(req.url) ? "" : " (redirected to " + url_host(resp.url) + ")";
  return Error(ErrorKind::remote, req.method + " " + redact_url(req.url) + via + ": " + url_host(resp.url) +
                                      " answered 401 Unauthorized; credentials go only to the registry " +
                                      url_host(registry_origin + "/") + ", never to another host")
      .with_status(401);
}

}  // namespace

Result<Response> Authenticator::send(const std::string& registry_name, const Request& req,
                                     const std::vector<std::string>& scopes, const BodySink& sink,
                                     const std::string& registry_base) {
  std::string base;
  {
    // The registry's own origin; the ping goes to its scheme://host[:port].
    std::string api = registry_base;
    if (api.empty()) api = net::url_scheme(req.url) + "://" + registry_name;
    auto r = resolve_url(api, "/");
    if (!r.ok()) return r.error();
    base = *r;
    if (!base.empty() && base.back() == '/') base.pop_back();
  }
  std::string registry_origin = url_origin(base);
  if (url_origin(req.url) != registry_origin) {
    // Another host: no credentials, and its 401 is not the registry's.
    auto resp = http_.send(req, sink);
    if (resp.ok() && resp->status == 401) return foreign_401(req, *resp, base);
    return resp;
  }
  // The first bodyless request to an origin is its own ping: its answer (a
  // 401 with the challenge, or anything else) teaches what GET /v2/ would,
  // and saves that round trip. A request with a body still waits for the
  // ping, so an upload is never sent just to receive a 401.
  if (req.body.empty() && !req.open_body) {
    auto learned = learn_from(base, req, sink);
    if (!learned.ok()) return learned.error();
    if (*learned) {
      auto resp = std::move(**learned);
      if (resp.status == 401 && url_origin(resp.url) != registry_origin) return foreign_401(req, resp, base);
      if (resp.status != 401) return resp;
      std::lock_guard<std::mutex> l(mu_);
      if (origins_[base].challenges.empty()) return resp;  // a 401 that names no way in
    }
  }
  for (int round = 0; round < 2; ++round) {
    auto auth = authorization(registry_name, base, scopes, round > 0);
    if (!auth.ok()) return auth.error();
    Request r = req;
    if (!auth->empty()) r.headers.set("Authorization", *auth);
    auto resp = http_.send(r, sink);
    if (resp.ok() && resp->status == 401 && url_origin(resp->url) != registry_origin)
      return foreign_401(req, *resp, base);
    if (!resp.ok() || resp->status != 401) return resp;
    if (round > 0) return refused(registry_name, std::move(*resp));
    // 401: the origin may have changed its challenge (or a token expired
    // early); learn the challenge from this response and try once more.
    OriginState st;
    st.known = true;
    for (const auto& h : resp->headers.get_all("WWW-Authenticate")) {
      auto cs = parse_challenges(h);
      st.challenges.insert(st.challenges.end(), cs.begin(), cs.end());
    }
    if (st.challenges.empty()) return refused(registry_name, std::move(*resp));
    std::lock_guard<std::mutex> l(mu_);
    origins_[base] = std::move(st);
  }
  return Error(ErrorKind::internal, "unreachable");
}

}  // namespace dl::registry
