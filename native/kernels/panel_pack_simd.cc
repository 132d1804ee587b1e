// The panel packer (panel_pack.h), compiled once per ISA (see simd_target.h). AVX2 and AVX-512 move
// 8x8 blocks through registers (8 row loads, 24 shuffles, 8 stores per 64 floats, where the portable
// loop spends a load and a store per float); the edges of a panel (the last columns of a partial panel,
// depth not a multiple of 8) and the portable build take the scalar loop.
#include "simd_target.h"
#include "panel_pack.h"

#include <algorithm>

namespace hashmac {
namespace HASHMAC_TARGET {
namespace {

// Slabs of 16 depth steps: a slab's reads (16 floats of each of 32 rows) and writes (16 contiguous panel
// rows, 2 KiB) both stay in L1, instead of striding over the whole panel.
constexpr int64_t kSlab = 16;

// panel[d*32 + c] = src[c*ld + d] for c in [c0, c1), d in [d0, d1); zero for c in [cols, c1).
inline void pack_scalar(const float* src, int64_t ld, int cols, int64_t d0, int64_t d1, int c0, int c1, float* panel) {
  for (int c = c0; c < c1; ++c) {
    if (c < cols) {
      for (int64_t d = d0; d < d1; ++d) panel[d * kPanel + c] = src[c * ld + d];
    } else {
      for (int64_t d = d0; d < d1; ++d) panel[d * kPanel + c] = 0.0f;
    }
  }
}

#if HASHMAC_TARGET_ID >= 1
// The 8x8 block of src at (column c0, depth d0) transposed into panel rows d0..d0+7, columns c0..c0+7.
inline void transpose8(const float* src, int64_t ld, int64_t d0, int c0, float* panel) {
  __m256 r[8];
  for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(src + (c0 + i) * ld + d0);
  __m256 t[8], s[8];
  for (int i = 0; i < 4; ++i) {  // pairs of rows interleaved: t[2i] = (r[2i][0], r[2i+1][0], r[2i][1], ...)
    t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int h = 0; h < 2; ++h) {  // quads of rows: s[4h + k] holds depth k (and k + 4) of rows 4h..4h+3
    s[4 * h + 0] = _mm256_shuffle_ps(t[4 * h], t[4 * h + 2], _MM_SHUFFLE(1, 0, 1, 0));
    s[4 * h + 1] = _mm256_shuffle_ps(t[4 * h], t[4 * h + 2], _MM_SHUFFLE(3, 2, 3, 2));
    s[4 * h + 2] = _mm256_shuffle_ps(t[4 * h + 1], t[4 * h + 3], _MM_SHUFFLE(1, 0, 1, 0));
    s[4 * h + 3] = _mm256_shuffle_ps(t[4 * h + 1], t[4 * h + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int k = 0; k < 4; ++k) {  // 128-bit halves: depth k from the low halves, depth k + 4 from the high
    _mm256_storeu_ps(panel + (d0 + k) * kPanel + c0, _mm256_permute2f128_ps(s[k], s[4 + k], 0x20));
    _mm256_storeu_ps(panel + (d0 + k + 4) * kPanel + c0, _mm256_permute2f128_ps(s[k], s[4 + k], 0x31));
  }
}
#endif

void pack_panel(const float* src, int64_t ld, int64_t rows, int64_t depth, int64_t p, float* panel) {
  const float* first = src + p * kPanel * ld;
  const int cols = static_cast<int>(std::clamp<int64_t>(rows - p * kPanel, 0, kPanel));
  for (int64_t d0 = 0; d0 < depth; d0 += kSlab) {
    const int64_t d1 = std::min(depth, d0 + kSlab);
#if HASHMAC_TARGET_ID >= 1
    const int full_cols = cols / 8 * 8;
    const int64_t full_depth = d0 + (d1 - d0) / 8 * 8;
    for (int64_t d = d0; d < full_depth; d += 8)
      for (int c = 0; c < full_cols; c += 8) transpose8(first, ld, d, c, panel);
    pack_scalar(first, ld, cols, full_depth, d1, 0, full_cols, panel);
    pack_scalar(first, ld, cols, d0, d1, full_cols, kPanel, panel);
#else
    pack_scalar(first, ld, cols, d0, d1, 0, kPanel, panel);
#endif
  }
}

}  // namespace

extern const PanelPackKernels panel_pack_micro = {pack_panel};

}  // namespace HASHMAC_TARGET
}  // namespace hashmac
