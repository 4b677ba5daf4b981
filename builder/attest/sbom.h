// The SBOM of one image: an SPDX 2.3 JSON document (the in-toto predicate
// https://spdx.dev/Document, as BuildKit and Docker Scout read it) listing
// the base image by digest, every OS package (deb purl, version, and the
// .deb's sha256 when the build installed it from a locked apt repository),
// every wheel (pypi purl, version, the lock's sha256) and every artifact
// (URL, sha256). Only what the build knows as data goes in: no scan of the
// file tree. Deterministic: packages and relationships are sorted, the
// creation time is SOURCE_DATE_EPOCH, and the document namespace is derived
// from the content, so the same inputs give the same bytes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/sha256.h"

namespace dl::attest {

struct SbomWheel {
  std::string name, version, filename, url, sha256, python;  // python: "3.6" (a cell may carry two)
};
struct SbomDeb {
  std::string name, version, arch;
  std::string sha256;  // of the .deb; "" for packages the base image already held (dpkg keeps no digest)
  std::string origin;  // "base" or "build"
};
struct SbomArtifact {
  std::string url, dest, sha256;
};

// Every field of these structs goes into the memo key (inputs_key.h).
struct ImageContents {
  std::string reference;       // the image's primary reference, "qingcloud/tensorflow:1.12-py27-cpu"
  std::string base_reference;  // "ubuntu:16.04" ("" for scratch)
  Digest base_digest;
  std::string distro = "debian";  // purl namespace of the OS packages ("debian", "ubuntu")
  std::vector<SbomDeb> debs;
  std::vector<SbomWheel> wheels;
  std::vector<SbomArtifact> artifacts;
  std::int64_t created_epoch = 0;  // SOURCE_DATE_EPOCH
  std::string tool;                // "dlimage-0.1.0"
};

nlohmann::json spdx_document(const ImageContents& c);

// purls (https://github.com/package-url/purl-spec), as syft writes them.
std::string pypi_purl(const std::string& name, const std::string& version);
std::string deb_purl(const std::string& distro, const std::string& name, const std::string& version,
                     const std::string& arch);
std::string oci_purl(const std::string& reference, const Digest& digest);

}  // namespace dl::attest
