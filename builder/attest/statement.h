// in-toto attestation Statements v1 (https://in-toto.io/Statement/v1): a
// predicate (an SBOM, a provenance) about subjects named by digest. The
// bytes are canonical JSON (sorted keys, no whitespace), so the same inputs
// give the same bytes and the same blob digest on every build.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "base/sha256.h"

namespace dl::attest {

inline constexpr std::string_view kStatementType = "https://in-toto.io/Statement/v1";
inline constexpr std::string_view kInTotoMediaType = "application/vnd.in-toto+json";
inline constexpr std::string_view kPredicateTypeAnnotation = "in-toto.io/predicate-type";
inline constexpr std::string_view kSpdxPredicate = "https://spdx.dev/Document";
inline constexpr std::string_view kSlsaPredicate = "https://slsa.dev/provenance/v1";

struct Subject {
  std::string name;  // "pkg:docker/qingcloud/tensorflow:1.12-py27-cpu?platform=linux%2Famd64", as BuildKit names it
  Digest digest;     // the image manifest
};

// NOLINTNEXTLINE(bugprone-exception-escape): nlohmann::json members; a throw here is a bad_alloc.
struct Statement {
  std::string predicate_type;
  std::vector<Subject> subjects;
  nlohmann::json predicate;
};

std::string serialize(const Statement& s);
// Strict enough for `dlimage inspect`: _type, subject, predicateType, predicate.
Result<Statement> parse_statement(std::string_view bytes, const std::string& what);

// BuildKit's subject name for an image reference on a platform.
std::string docker_purl(const std::string& reference, const std::string& os, const std::string& arch);

}  // namespace dl::attest
