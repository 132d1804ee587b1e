#include "panel_pack.h"

#include <algorithm>

namespace hashmac {

void pack_panel(const float* src, int64_t ld, int64_t rows, int64_t depth, int64_t p, float* panel) {
  const int64_t r0 = p * kPanel;
  const int cols = static_cast<int>(std::clamp<int64_t>(rows - r0, 0, kPanel));
  // Transposed in slabs of 16 depth steps: the slab's reads (16 floats of each of 32 rows) and writes
  // (16 contiguous panel rows, 2 KiB) both stay in L1, instead of striding over the whole panel.
  constexpr int64_t kSlab = 16;
  for (int64_t d0 = 0; d0 < depth; d0 += kSlab) {
    const int64_t d1 = std::min(depth, d0 + kSlab);
    for (int c = 0; c < cols; ++c) {
      const float* row = src + (r0 + c) * ld;
      for (int64_t d = d0; d < d1; ++d) panel[d * kPanel + c] = row[d];
    }
    for (int c = cols; c < kPanel; ++c)
      for (int64_t d = d0; d < d1; ++d) panel[d * kPanel + c] = 0.0f;
  }
}

}  // namespace hashmac
