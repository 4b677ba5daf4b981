// dlimage copy: images between OCI layouts (oci:DIR[:TAG]) and registries
// (docker://REF), in any direction. Manifests and indexes are copied byte
// for byte (digests are preserved); every blob is streamed, skipped when
// the destination has it, and mounted when source and destination are
// repositories of the same registry.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"
#include "base/sha256.h"
#include "builder/copy/session.h"
#include "builder/layout/layout.h"
#include "registry/reference/reference.h"

namespace dl::copy {

struct Endpoint {
  enum class Kind { layout, registry } kind = Kind::registry;
  layout::LayoutRef layout;    // dir + ref_name (default "latest")
  registry::Reference ref;     // as written; rewriting happens in copy()
  std::string text;            // for messages
};

// "oci:DIR[:TAG]" or "docker://REF". Anything else is refused with the
// accepted forms.
Result<Endpoint> parse_endpoint(const std::string& text);

struct CopyReport {
  Digest digest;             // of the top-level manifest or index
  std::string media_type;
  uint64_t manifests = 0;    // manifests + indexes written
  uint64_t blobs = 0;        // blobs referenced
  uint64_t blobs_copied = 0, blobs_existing = 0, blobs_mounted = 0;
  uint64_t bytes = 0;        // blob bytes moved
};

Result<CopyReport> copy_image(Session& session, const Endpoint& src, const Endpoint& dst);

}  // namespace dl::copy
