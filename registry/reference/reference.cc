#include "registry/reference/reference.h"

#include <cctype>

#include "base/sha256.h"

namespace dl::registry {

namespace {

bool alnum_lower(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// domain-component: [a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?
bool valid_domain_component(std::string_view c) {
  if (c.empty() || c.front() == '-' || c.back() == '-') return false;
  for (char ch : c)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-') return false;
  return true;
}

// host[:port], host is dotted components or a bracketed IPv6 literal.
bool valid_domain(std::string_view d) {
  std::string_view host = d, port;
  if (!d.empty() && d.front() == '[') {
    auto close = d.find(']');
    if (close == std::string_view::npos) return false;
    for (char ch : d.substr(1, close - 1))
      if (!std::isxdigit(static_cast<unsigned char>(ch)) && ch != ':') return false;
    std::string_view rest = d.substr(close + 1);
    if (rest.empty()) return true;
    if (rest.front() != ':') return false;
    port = rest.substr(1);
    host = "x";
  } else {
    auto colon = d.rfind(':');
    if (colon != std::string_view::npos) {
      host = d.substr(0, colon);
      port = d.substr(colon + 1);
      if (port.empty()) return false;
    }
  }
  for (char ch : port)
    if (!std::isdigit(static_cast<unsigned char>(ch))) return false;
  size_t start = 0;
  while (true) {
    auto dot = host.find('.', start);
    if (!valid_domain_component(host.substr(start, dot == host.npos ? host.npos : dot - start))) return false;
    if (dot == host.npos) return true;
    start = dot + 1;
  }
}

bool all_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace

bool is_valid_tag(std::string_view tag) {
  if (tag.empty() || tag.size() > 128 || !word_char(tag[0])) return false;
  for (char c : tag.substr(1))
    if (!word_char(c) && c != '.' && c != '-') return false;
  return true;
}

bool is_valid_path_component(std::string_view c) {
  if (c.empty() || !alnum_lower(c.front()) || !alnum_lower(c.back())) return false;
  for (size_t i = 0; i < c.size();) {
    if (alnum_lower(c[i])) {
      ++i;
      continue;
    }
    // A separator run: ".", "_", "__" or any number of "-".
    size_t j = i;
    while (j < c.size() && !alnum_lower(c[j])) ++j;
    std::string_view sep = c.substr(i, j - i);
    bool dashes = sep.find_first_not_of('-') == std::string_view::npos;
    if (!(sep == "." || sep == "_" || sep == "__" || dashes)) return false;
    i = j;
  }
  return true;
}

std::string Reference::str() const {
  std::string s = name();
  if (!tag.empty()) s += ":" + tag;
  if (!digest.empty()) s += "@" + digest;
  return s;
}

std::string Reference::api_host() const { return registry == kDockerHub ? std::string(kDockerHubApi) : registry; }

Reference Reference::with_tag(std::string t) const {
  Reference r = *this;
  r.tag = std::move(t);
  r.digest.clear();
  return r;
}

Reference Reference::with_digest(std::string d) const {
  Reference r = *this;
  r.digest = std::move(d);
  return r;
}

Reference Reference::with_repository(std::string repo) const {
  Reference r = *this;
  r.repository = std::move(repo);
  return r;
}

Result<Reference> parse_reference(std::string_view text, bool default_tag) {
  auto fail = [&](const std::string& why) -> Error {
    return invalid("invalid reference '" + std::string(text) + "': " + why);
  };
  if (text.empty()) return fail("empty reference");
  for (char c : text)
    if (std::isspace(static_cast<unsigned char>(c))) return fail("contains whitespace");

  Reference ref;
  std::string_view rest = text;
  if (auto at = rest.find('@'); at != std::string_view::npos) {
    auto d = Digest::parse(rest.substr(at + 1));
    if (!d.ok()) return fail(d.error().message());
    ref.digest = d->str();
    rest = rest.substr(0, at);
  }
  // A tag is a ':' after the last '/', so "host:5000/repo" has no tag.
  auto slash = rest.rfind('/');
  auto colon = rest.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    std::string_view tag = rest.substr(colon + 1);
    if (!is_valid_tag(tag))
      return fail("invalid tag '" + std::string(tag) + "' (expected [A-Za-z0-9_][A-Za-z0-9_.-]{0,127})");
    ref.tag = std::string(tag);
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) return fail("missing repository name");

  std::string_view domain, path = rest;
  auto first_slash = rest.find('/');
  if (first_slash != std::string_view::npos) {
    std::string_view first = rest.substr(0, first_slash);
    // Unlike Docker, an upper-case first component is not taken for a host:
    // "Foo/bar" is far more likely a mistyped repository than a registry.
    if (first == "localhost" || first.find_first_of(".:") != std::string_view::npos) {
      domain = first;
      path = rest.substr(first_slash + 1);
    }
  }
  if (domain.empty()) {
    ref.registry = std::string(kDockerHub);
  } else {
    if (!valid_domain(domain)) return fail("invalid registry host '" + std::string(domain) + "'");
    ref.registry = std::string(domain);
    if (ref.registry == "index.docker.io") ref.registry = std::string(kDockerHub);
  }
  if (path.empty()) return fail("missing repository name");
  for (char c : path)
    if (c >= 'A' && c <= 'Z') return fail("repository name must be lowercase");
  if (ref.registry == kDockerHub && path.find('/') == std::string_view::npos)
    ref.repository = "library/" + std::string(path);
  else
    ref.repository = std::string(path);
  if (ref.repository.size() == 64 + 8 && ref.repository.rfind("library/", 0) == 0 && all_hex(ref.repository.substr(8)))
    return fail("repository name cannot be a 64-character hexadecimal string (looks like an image ID)");

  size_t start = 0;
  while (true) {
    auto s = ref.repository.find('/', start);
    std::string_view comp =
        std::string_view(ref.repository).substr(start, s == std::string::npos ? std::string::npos : s - start);
    if (!is_valid_path_component(comp))
      return fail("invalid repository path component '" + std::string(comp) +
                  "' (expected lowercase letters and digits separated by '.', '_', '__' or '-')");
    if (s == std::string::npos) break;
    start = s + 1;
  }
  if (ref.name().size() > 255) return fail("repository name longer than 255 characters");
  if (ref.tag.empty() && ref.digest.empty() && default_tag) ref.tag = "latest";
  return ref;
}

}  // namespace dl::registry
