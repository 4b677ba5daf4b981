// What a stack of layers leaves in the tree (paths, symlinks, the dpkg
// state), read from the blobs in a layout. A stack is scanned once per
// process and remembered by its layers' digests: every cell on one base
// shares one scan of it (the OS-package layer and the interpreter check).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "base/result.h"
#include "builder/deb/installer.h"
#include "builder/image/descriptor.h"
#include "builder/layout/layout.h"

namespace dl::pipeline {

Result<std::shared_ptr<const deb::BaseTree>> scan_layers(const layout::Layout& layout,
                                                         const std::vector<image::Descriptor>& layers);

// The stack's dpkg status file (scan_layers(...)->status_text), remembered
// in the layout by the layers' digests: a rerun on the same base (the SBOM
// lists its packages) scans nothing.
Result<std::string> dpkg_status_of(const layout::Layout& layout, const std::vector<image::Descriptor>& layers);

// A layer blob's uncompressed (tar) size, remembered in the layout by its
// digest: written by every scan (which undoes the layer anyway) and by the
// report's count, read by the report (--json, --report) so a base is not
// decompressed again just to be measured.
std::optional<std::uint64_t> remembered_tar_size(const layout::Layout& l, const Digest& blob);
void remember_tar_size(const layout::Layout& l, const Digest& blob, std::uint64_t size);

}  // namespace dl::pipeline
