// WWW-Authenticate parsing (RFC 7235): one header may hold several
// challenges, parameters may be quoted strings containing commas and
// backslash escapes, e.g.
//   Bearer realm="https://auth.docker.io/token",service="registry.docker.io",
//          scope="repository:a/b:pull,push"
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace dl::registry {

struct Challenge {
  std::string scheme;                         // lower-cased: "bearer", "basic"
  std::map<std::string, std::string> params;  // keys lower-cased
  std::string param(const std::string& key) const {
    auto it = params.find(key);
    return it == params.end() ? "" : it->second;
  }
};

std::vector<Challenge> parse_challenges(std::string_view header);

}  // namespace dl::registry
