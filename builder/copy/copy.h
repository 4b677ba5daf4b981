// Copying images between any two ImageStores (registry/store/store.h): OCI
// layouts (oci:DIR[:TAG]) and registry repositories (docker://REF), in any
// direction, with one algorithm. Manifests and indexes are copied byte for
// byte (digests are preserved); the destination's put_blobs skips blobs it
// has, mounts them between repositories of one registry and hard-links them
// between local layouts. `dlimage copy`, base-image pulls and layout-to-
// layout copies all come here; pushes of built cells use the same stores.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/result.h"
#include "base/sha256.h"
#include "builder/layout/layout.h"
#include "registry/reference/reference.h"
#include "registry/session/session.h"
#include "registry/store/store.h"

namespace dl::copy {

struct Endpoint {
  enum class Kind { layout, registry } kind = Kind::registry;
  layout::LayoutRef layout;  // dir + ref_name (default "latest")
  registry::Reference ref;   // as written; rewriting happens in open_store()
  std::string text;          // for messages
};

// "oci:DIR[:TAG]" or "docker://REF". Anything else is refused with the
// accepted forms.
Result<Endpoint> parse_endpoint(const std::string& text);

// The store an endpoint names: a layout (created when it is the
// destination) or a registry repository (rewritten for pull or push).
Result<std::unique_ptr<store::ImageStore>> open_store(registry::Session& session, const Endpoint& ep, bool destination);
// The tag or digest an endpoint names inside its store ("" for a registry
// destination given by digest: stored by digest only).
std::string ref_in_store(const Endpoint& ep);

struct CopyReport {
  Digest digest;  // of the top-level manifest or index
  std::string media_type;
  uint64_t manifests = 0;                                            // manifests + indexes written
  uint64_t blobs = 0;                                                // blobs referenced
  uint64_t blobs_copied = 0, blobs_existing = 0, blobs_mounted = 0;  // mounted: or hard-linked
  uint64_t bytes = 0;                                                // blob bytes moved
};

// Copies `ref` (a tag or digest) of `src` into `dst` under `tag` ("" = by
// digest only): every child manifest and blob first, the top one last.
Result<CopyReport> copy_image(store::ImageStore& src, const std::string& ref, store::ImageStore& dst,
                              const std::string& tag);

// `dlimage copy SRC DST`.
Result<CopyReport> copy_image(registry::Session& session, const Endpoint& src, const Endpoint& dst);

}  // namespace dl::copy
