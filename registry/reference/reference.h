// Image references parsed like Docker's distribution/reference:
//   ubuntu                      -> docker.io/library/ubuntu:latest
//   host:5000/team/app:1.0@sha256:...
// The first path component is a registry host when it is "localhost" or
// contains '.' or ':'; otherwise the reference lives on Docker Hub.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace dl::registry {

inline constexpr std::string_view kDockerHub = "docker.io";
// Docker Hub's API is not served by docker.io itself.
inline constexpr std::string_view kDockerHubApi = "registry-1.docker.io";

struct Reference {
  std::string registry;    // "docker.io", "127.0.0.1:5000"
  std::string repository;  // "library/ubuntu"
  std::string tag;         // empty only when a digest is given
  std::string digest;      // "sha256:<hex>" or empty

  // Canonical form: registry/repository[:tag][@digest].
  std::string str() const;
  // registry/repository, no tag or digest.
  std::string name() const { return registry + "/" + repository; }
  // What to put after /manifests/: the digest when known, else the tag.
  std::string identifier() const { return digest.empty() ? tag : digest; }
  // Host name (with port) that serves the registry API.
  std::string api_host() const;

  Reference with_tag(std::string t) const;
  Reference with_digest(std::string d) const;
  Reference with_repository(std::string r) const;
  bool operator==(const Reference&) const = default;
};

// Parses and normalises `text`. Errors read
// "invalid reference 'Foo/bar': repository name must be lowercase".
// Without tag and digest the tag defaults to "latest" (default_tag = false
// leaves it empty, for repository-only arguments such as `tags`).
Result<Reference> parse_reference(std::string_view text, bool default_tag = true);

// Tag grammar: [\w][\w.-]{0,127}
bool is_valid_tag(std::string_view tag);
// Path component grammar: [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*
bool is_valid_path_component(std::string_view c);

}  // namespace dl::registry
