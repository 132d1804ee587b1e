#include "panel_pack.h"

namespace hashmac {

void pack_panel(const float* src, int64_t ld, int64_t rows, int64_t depth, int64_t p, float* panel) {
  for (int c = 0; c < kPanel; ++c) {
    const int64_t k = p * kPanel + c;
    if (k < rows) {
      const float* row = src + k * ld;
      for (int64_t d = 0; d < depth; ++d) panel[d * kPanel + c] = row[d];
    } else {
      for (int64_t d = 0; d < depth; ++d) panel[d * kPanel + c] = 0.0f;
    }
  }
}

}  // namespace hashmac
