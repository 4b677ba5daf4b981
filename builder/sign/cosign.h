// cosign's signature format, the legacy tag form that skopeo/podman
// (containers/image `sigstoreSigned`), cosign and Kyverno read:
//
//   tag  sha256-<hex>.sig  in the image's own repository
//     -> OCI manifest, one layer per signature:
//          mediaType application/vnd.dev.cosign.simplesigning.v1+json
//          blob      the simple-signing payload (below)
//          annotation dev.cosignproject.cosign/signature = base64(DER ECDSA)
//
//   payload {"critical":{"identity":{"docker-reference":REF},
//            "image":{"docker-manifest-digest":DIGEST},
//            "type":"cosign container image signature"},"optional":null}
//
// REF is the reference as pushed, tag included: containers/image's default
// signedIdentity (matchRepoDigestOrExact) accepts a pull by tag only when
// the signature names exactly that tag, and a pull by digest when it names
// the repository. So an image pushed under two tags carries two layers.
//
// Everything is read and written through an ImageStore: a registry
// repository or a layout, the same code.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "base/sha256.h"
#include "builder/sign/key.h"
#include "registry/store/store.h"

namespace dl::sign {

inline constexpr std::string_view kSimpleSigningMediaType = "application/vnd.dev.cosign.simplesigning.v1+json";
inline constexpr std::string_view kSignatureAnnotation = "dev.cosignproject.cosign/signature";
inline constexpr std::string_view kPayloadType = "cosign container image signature";

// "sha256-<hex>.sig"
std::string signature_tag(const Digest& manifest);

// The payload bytes for (reference, digest); the same inputs give the same
// bytes, so a rerun finds its own payload by digest.
std::string simple_signing_payload(const std::string& docker_reference, const Digest& manifest);

struct Payload {
  std::string docker_reference;
  Digest manifest;
};
// Parses a payload strictly (as containers/image does): exactly the fields
// above, the right type.
Result<Payload> parse_payload(std::string_view bytes, const std::string& what);

// Adds a signature of (docker_reference, manifest) by `key` to the
// repository's signature manifest, keeping the signatures already there
// (as cosign does). Returns false, writing nothing, when a signature of
// the same payload by the same key is already there (a rerun is a no-op).
Result<bool> attach_signature(store::ImageStore& repo, const std::string& docker_reference, const Digest& manifest,
                              const PrivateKey& key);

struct SignatureCheck {
  int signatures = 0;                 // simple-signing layers found
  int valid = 0;                      // by the key, over a payload naming this digest and reference
  std::vector<std::string> problems;  // one line per layer that did not verify
};
// not_found when the repository has no signature tag for `manifest`.
// `docker_reference` "" accepts any reference in the payload's repository
// check (the digest must still match).
Result<SignatureCheck> check_signatures(store::ImageStore& repo, const std::string& docker_reference,
                                        const Digest& manifest, const PublicKey& key);

}  // namespace dl::sign
