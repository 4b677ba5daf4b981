// Tiny real OCI images for tests, made with umoci (Debian package umoci):
// an image layout with one tag whose single layer holds one small file.
#pragma once

#include <string>

#include "base/result.h"

namespace dl::test {

struct OciImage {
  std::string layout_dir;  // the OCI image layout directory
  std::string tag;
  std::string manifest_digest;  // "sha256:..." of the tagged manifest
  // "oci:<layout_dir>:<tag>" for skopeo.
  std::string skopeo_ref() const { return "oci:" + layout_dir + ":" + tag; }
};

// Creates (or adds `tag` to) the layout at `layout_dir` with one layer
// containing /hello.txt = `content`. Takes ~0.1 s.
Result<OciImage> make_tiny_oci_image(const std::string& layout_dir, const std::string& tag = "v1",
                                     const std::string& content = "hello from dlimage tests\n");

// True when umoci and skopeo are both installed.
bool oci_tools_available();

}  // namespace dl::test
