// A Docker-registry token server (the "realm" of `WWW-Authenticate: Bearer`)
// running on a thread of the test process, listening on 127.0.0.1:<free port>.
//
//   GET  /token?service=S&scope=repository:NAME:pull,push[&scope=...]
//        Authorization: Basic ... (optional)
//   POST /token  (form: grant_type=password&username=&password=&service=&scope=)
//   -> 200 {"token": JWT, "access_token": JWT, "expires_in": ttl, "issued_at": RFC3339}
//
// Policy: the configured user gets every action it asks for; an anonymous
// request gets only "pull"; wrong credentials get 401. Tokens are ES256 JWTs
// whose header carries x5c = [signing cert], which Distribution verifies
// against its auth.token.rootcertbundle (the CA that signed that cert).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"

namespace dl::test {

struct TokenServerConfig {
  std::string issuer = "dlimage-test-issuer";
  std::string service = "dlimage-test-registry";
  std::string signing_key_pem;   // EC P-256 private key
  std::string signing_cert_der;  // its certificate (DER), sent as x5c[0]
  std::string username, password;
  int ttl_seconds = 300;
};

class TokenServer {
 public:
  static Result<std::unique_ptr<TokenServer>> start(TokenServerConfig config);
  ~TokenServer();  // stops the thread and closes the socket
  TokenServer(const TokenServer&) = delete;
  TokenServer& operator=(const TokenServer&) = delete;

  int port() const;
  std::string realm() const;  // "http://127.0.0.1:PORT/token"
  const TokenServerConfig& config() const;
  // Requests answered so far (any outcome).
  std::uint64_t requests() const;
  // The scope parameters of every request, in order (for assertions).
  std::vector<std::string> scopes_seen() const;

 private:
  struct Impl;
  explicit TokenServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dl::test
