// What a stack of layers leaves in the tree (paths, symlinks, the dpkg
// state), read from the blobs in a layout. A stack is scanned once per
// process and remembered by its layers' digests: every cell on one base
// shares one scan of it (the OS-package layer and the interpreter check).
#pragma once

#include <memory>
#include <vector>

#include "base/result.h"
#include "builder/deb/installer.h"
#include "builder/image/descriptor.h"
#include "builder/layout/layout.h"

namespace dl::pipeline {

Result<std::shared_ptr<const deb::BaseTree>> scan_layers(const layout::Layout& layout,
                                                         const std::vector<image::Descriptor>& layers);

}  // namespace dl::pipeline
