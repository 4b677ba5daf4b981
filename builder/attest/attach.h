// Attaching attestations (in-toto statements) to an image, in the two ways
// tools read them, through any ImageStore (a layout or a registry
// repository). Referrers alone leave the tags on the image manifest, which
// every reader takes (umoci unpacks only a tag that leads to exactly one
// image manifest); BuildKit's index is asked for by name.
//
// BuildKit's layout (what `docker buildx imagetools inspect` and Docker
// Scout read): the image's tags point at an OCI index holding
//   - the image manifest, platform linux/amd64;
//   - an attestation manifest, platform unknown/unknown, annotations
//     vnd.docker.reference.type=attestation-manifest and
//     vnd.docker.reference.digest=<image manifest digest>; one layer per
//     statement, media type application/vnd.in-toto+json, annotation
//     in-toto.io/predicate-type.
//
// OCI 1.1 referrers: one artifact manifest per statement (artifactType
// application/vnd.in-toto+json, the empty config, `subject` = the image
// manifest), listed by the referrers API where a registry has one, and by
// the referrers tag schema everywhere else (Distribution 2.8 and Docker Hub
// have no referrers API): the tag sha256-<hex of the subject> names an OCI
// index of every referrer. Writers merge: entries other tools put there
// are kept.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "builder/attest/format.h"
#include "builder/image/descriptor.h"
#include "registry/store/store.h"

namespace dl::attest {

inline constexpr std::string_view kRefTypeAnnotation = "vnd.docker.reference.type";
inline constexpr std::string_view kRefDigestAnnotation = "vnd.docker.reference.digest";
inline constexpr std::string_view kAttestationManifest = "attestation-manifest";
inline constexpr std::string_view kEmptyMediaType = "application/vnd.oci.empty.v1+json";

struct Attestation {
  std::string predicate_type;
  std::string statement;  // serialized in-toto Statement
};

struct Attached {
  image::Descriptor index;                   // BuildKit index, what the tags point at (buildkit only)
  image::Descriptor attestation;             // its attestation manifest (buildkit only)
  std::vector<image::Descriptor> referrers;  // one OCI artifact manifest per statement
  image::Descriptor referrers_index;         // what the sha256-<hex> tag points at (in this store)
};

// Writes everything `format` asks for into `store` (blobs before the
// manifests that name them), without tagging the image or the index: the
// caller tags what the cell's tags point at.
Result<Attached> attach(store::ImageStore& store, Format format, const image::Descriptor& image_manifest,
                        const image::Platform& platform, const std::vector<Attestation>& statements);

// "sha256-<hex>": the referrers tag schema's tag for a subject.
std::string referrers_tag(const Digest& subject);
// True for tags that name attachments, not images: the referrers tag
// sha256-<hex> and cosign's sha256-<hex>.sig/.att/.sbom. Listings of
// images (resolve --from, diff) leave them out.
bool is_attachment_tag(std::string_view tag);

// Adds `referrers` to the subject's referrers-tag index in `store`,
// keeping what is there; writes nothing when every one is listed already.
// The referrer manifests themselves must be stored first. Returns the
// index's descriptor.
Result<image::Descriptor> merge_referrers_index(store::ImageStore& store, const Digest& subject,
                                                const std::vector<image::Descriptor>& referrers);

struct Found {
  std::string predicate_type;
  std::string statement;
  std::string where;  // "attestation manifest sha256:..", "referrer sha256:.."
};
// Every attestation of `ref` (a tag or digest) in `store`: from a BuildKit
// index's attestation manifests and from the subject's referrers tag. Each
// blob is read bounded and checked against its digest.
Result<std::vector<Found>> read_attestations(store::ImageStore& store, const std::string& ref);

}  // namespace dl::attest
