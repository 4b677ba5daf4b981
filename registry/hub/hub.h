// Docker Hub repository pages (`dlimage hub describe`), through the one
// network stack (net/) and Docker Hub's documented API:
//   POST  {api}/v2/auth/token {"identifier": USER, "secret": PAT}
//         -> {"access_token": TOKEN}
//   PATCH {api}/v2/repositories/NS/REPO/ (Authorization: Bearer TOKEN)
//         {"description": SHORT, "full_description": README}
// The short description is at most 100 characters (code points), the README
// at most 25,000 bytes, both valid UTF-8: checked before anything is sent.
// The token and the access token never reach an error, a log or a file.
#pragma once

#include <string>

#include "base/result.h"
#include "net/http.h"

namespace dl::hub {

inline constexpr size_t kMaxDescriptionChars = 100;
inline constexpr size_t kMaxReadmeBytes = 25000;

struct Page {
  std::string repository;   // "NS/REPO"
  std::string description;  // short, one line
  std::string readme;       // Markdown
};

// The limits above, and a repository of the form NS/REPO. Errors name
// `where` (the file the text came from).
Status check_page(const Page& p, const std::string& description_where, const std::string& readme_where);

class HubClient {
 public:
  // `api`: "https://hub.docker.com" (http only for loopback tests).
  HubClient(net::HttpClient& http, std::string api) : http_(http), api_(std::move(api)) {}
  // Exchanges a personal access token for an access token.
  Status login(const std::string& username, const std::string& personal_access_token);
  // Sets both texts of one repository (login() first).
  Status describe(const Page& p);

 private:
  net::HttpClient& http_;
  std::string api_;
  std::string access_token_;
};

}  // namespace dl::hub
