// Internal: raw-deflate one block of a pigz-style parallel gzip stream.
// Each block is primed with the previous block's last 32 KiB (so the ratio
// is close to a single stream) and ends on a byte boundary (sync flush) so
// the blocks concatenate into one valid deflate stream. Block boundaries are
// fixed by size, hence the output does not depend on the thread count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace dl::layer::detail {

constexpr size_t kDeflateWindow = 32 * 1024;

// `dict` may be empty (first block); `last` ends the deflate stream.
Result<std::string> deflate_block(int level, std::string_view dict, std::string_view input, bool last);

bool isal_available();
// True when `level` is served by ISA-L (levels 1..3 when compiled in).
bool uses_isal(int level);

}  // namespace dl::layer::detail
