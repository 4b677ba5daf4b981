// Sends registry requests with the right Authorization header.
//
// The first request to an origin learns its challenge: a bodyless one is
// sent anonymously and its answer (401 + WWW-Authenticate, or not) is the
// ping; one with a body pings GET /v2/ first, so large uploads are not sent
// once anonymously just to receive a 401.
//
// Credentials are scoped to the registry's own origin (scheme://host:port),
// not to its name: a request to another host (an upload Location on a
// storage service, a redirect to a CDN) carries none, and a 401 from another
// host is an error naming it, never a challenge to answer. Basic credentials
// go to a token realm only over https, except on loopback or for a host
// allowed with --insecure-realm; an http realm under an https registry is
// refused.
//
// Bearer tokens come from the challenge's realm (GET with the user's basic
// credentials, or POST with an identity token) and are cached per
// (origin, scope set) until expires_in (default 60 s) minus a skew.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "net/http.h"
#include "registry/auth/challenge.h"
#include "registry/auth/credentials.h"

namespace dl::registry {

using net::BodySink;
using net::HttpClient;
using net::Request;
using net::Response;

// "repository:NAME:pull" / "repository:NAME:pull,push".
std::string pull_scope(const std::string& repository);
std::string push_scope(const std::string& repository);

class Authenticator {
 public:
  Authenticator(HttpClient& http, CredentialStore creds);

  // Sends `req` for the registry `registry_name` (e.g. "docker.io") whose
  // API lives at `registry_base` (e.g. "https://registry-1.docker.io"; ""
  // = the name itself, with req.url's scheme), with credentials for
  // `scopes` when req.url is on that origin. A 401 is answered once with a
  // fresh token; a streamed body is reopened for that second try.
  Result<Response> send(const std::string& registry_name, const Request& req, const std::vector<std::string>& scopes,
                        const BodySink& sink = {}, const std::string& registry_base = "");

  // Realm hosts ("host" or "host:port") that may receive credentials over
  // plain http (--insecure-realm).
  void allow_insecure_realm(std::string host);

  HttpClient& http() { return http_; }
  // Token requests made so far (cache hits are not counted).
  int token_fetches() const;

 private:
  struct OriginState {
    bool known = false;
    std::vector<Challenge> challenges;
  };
  struct CachedToken {
    std::string token;
    std::chrono::steady_clock::time_point expires;
  };

  Result<std::string> authorization(const std::string& registry_name, const std::string& origin,
                                    const std::vector<std::string>& scopes, bool force_refresh);
  Status ping(const std::string& origin);
  // Sends a bodyless `req` anonymously as the origin's ping when nothing is
  // known about the origin yet (nullopt: known already, nothing sent).
  Result<std::optional<Response>> learn_from(const std::string& origin, const Request& req, const BodySink& sink);
  Result<CachedToken> fetch_token(const Challenge& c, const Credential& cred, const std::vector<std::string>& scopes,
                                  const std::string& origin);
  Status check_realm(const std::string& realm, const std::string& origin, const Credential& cred) const;

  HttpClient& http_;
  CredentialStore creds_;
  mutable std::mutex mu_;
  std::map<std::string, OriginState> origins_;
  std::map<std::string, CachedToken> tokens_;  // key: origin + " " + sorted scopes
  std::map<std::string, Credential> cred_cache_;
  std::map<std::string, std::shared_ptr<std::mutex>> fetch_locks_;
  int token_fetches_ = 0;
  std::vector<std::string> insecure_realms_;
};

}  // namespace dl::registry
