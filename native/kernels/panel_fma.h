// The register-blocked float32 micro-kernel shared by the LSH sign projection (lsh_simd.cc) and the
// dense GEMM of `linear` (ops_simd.cc). Included by *_simd.cc files after simd_target.h, so each ISA
// copy gets its own version.
//
// The right operand is a packed panel: 32 output columns stored depth-major, panel[d*32 + c] (see
// pack_panel in panel_pack.h). A block of MR rows of the left operand x (row-major, any row stride) is
// multiplied against it: every depth step broadcasts x[i][d] and FMAs it into the MR x 32 accumulators.
// What happens to the accumulators is the caller's epilogue: sign bits for LSH, float stores (+ bias)
// for the GEMM. Both callers thus run the same inner loop.
#pragma once
#include "panel_pack.h"  // kPanel

namespace hashmac {
namespace HASHMAC_TARGET {

#if HASHMAC_TARGET_ID == 2
// ---- AVX-512: 8 rows x 32 columns = 16 zmm accumulators.
constexpr int kPanelRows = 8;
struct PanelRow {
  __m512 lo, hi;  // columns 0-15, 16-31
};

template <int MR, class Epilogue>
inline void panel_block(const float* x, int64_t ldx, const float* panel, int64_t depth, Epilogue&& ep) {
  PanelRow acc[MR];
  for (int i = 0; i < MR; ++i) acc[i].lo = acc[i].hi = _mm512_setzero_ps();
  for (int64_t d = 0; d < depth; ++d) {
    const __m512 p0 = _mm512_loadu_ps(panel + d * kPanel);
    const __m512 p1 = _mm512_loadu_ps(panel + d * kPanel + 16);
    for (int i = 0; i < MR; ++i) {
      const __m512 xi = _mm512_set1_ps(x[i * ldx + d]);
      acc[i].lo = _mm512_fmadd_ps(xi, p0, acc[i].lo);
      acc[i].hi = _mm512_fmadd_ps(xi, p1, acc[i].hi);
    }
  }
  for (int i = 0; i < MR; ++i) ep(i, acc[i]);
}

// Bit c set when column c is > 0.
inline uint32_t sign_bits(const PanelRow& r) {
  const __m512 zero = _mm512_setzero_ps();
  const uint32_t m0 = _mm512_cmp_ps_mask(r.lo, zero, _CMP_GT_OQ);
  const uint32_t m1 = _mm512_cmp_ps_mask(r.hi, zero, _CMP_GT_OQ);
  return m0 | (m1 << 16);
}

// y[c] = row[c] (+ add[c] when add != nullptr) for c < cols (<= 32).
inline void store_row(const PanelRow& r, const float* add, float* y, int cols) {
  const __mmask16 m0 = cols >= 16 ? 0xffff : static_cast<__mmask16>((1u << cols) - 1);
  const __mmask16 m1 = cols >= 32 ? 0xffff : cols <= 16 ? 0 : static_cast<__mmask16>((1u << (cols - 16)) - 1);
  __m512 lo = r.lo, hi = r.hi;
  if (add) {
    lo = _mm512_add_ps(lo, _mm512_maskz_loadu_ps(m0, add));
    hi = _mm512_add_ps(hi, _mm512_maskz_loadu_ps(m1, add + 16));
  }
  _mm512_mask_storeu_ps(y, m0, lo);
  _mm512_mask_storeu_ps(y + 16, m1, hi);
}

#elif HASHMAC_TARGET_ID == 1
// ---- AVX2: 2 rows x 32 columns = 8 ymm accumulators (16 registers in all: panel, broadcast, sums).
constexpr int kPanelRows = 2;
struct PanelRow {
  __m256 v[4];
};

template <int MR, class Epilogue>
inline void panel_block(const float* x, int64_t ldx, const float* panel, int64_t depth, Epilogue&& ep) {
  PanelRow acc[MR];
  for (int i = 0; i < MR; ++i)
    for (int c = 0; c < 4; ++c) acc[i].v[c] = _mm256_setzero_ps();
  for (int64_t d = 0; d < depth; ++d) {
    const __m256 p0 = _mm256_loadu_ps(panel + d * kPanel);
    const __m256 p1 = _mm256_loadu_ps(panel + d * kPanel + 8);
    const __m256 p2 = _mm256_loadu_ps(panel + d * kPanel + 16);
    const __m256 p3 = _mm256_loadu_ps(panel + d * kPanel + 24);
    for (int i = 0; i < MR; ++i) {
      const __m256 xi = _mm256_broadcast_ss(x + i * ldx + d);
      acc[i].v[0] = _mm256_fmadd_ps(xi, p0, acc[i].v[0]);
      acc[i].v[1] = _mm256_fmadd_ps(xi, p1, acc[i].v[1]);
      acc[i].v[2] = _mm256_fmadd_ps(xi, p2, acc[i].v[2]);
      acc[i].v[3] = _mm256_fmadd_ps(xi, p3, acc[i].v[3]);
    }
  }
  for (int i = 0; i < MR; ++i) ep(i, acc[i]);
}

inline uint32_t sign_bits(const PanelRow& r) {
  const __m256 zero = _mm256_setzero_ps();
  uint32_t word = 0;
  for (int c = 0; c < 4; ++c) {
    const uint32_t m = static_cast<uint32_t>(_mm256_movemask_ps(_mm256_cmp_ps(r.v[c], zero, _CMP_GT_OQ)));
    word |= m << (8 * c);
  }
  return word;
}

// Only constant lane indices and masked stores: spilling r to a buffer for the partial group would make
// the compiler keep panel_block's accumulators in memory on every depth step.
inline void store_row(const PanelRow& r, const float* add, float* y, int cols) {
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  for (int c = 0; c < 4; ++c) {
    const int n = cols - 8 * c;  // columns of this group of 8 to write
    if (n <= 0) break;
    __m256 v = r.v[c];
    if (n >= 8) {
      if (add) v = _mm256_add_ps(v, _mm256_loadu_ps(add + 8 * c));
      _mm256_storeu_ps(y + 8 * c, v);
    } else {
      const __m256i m = _mm256_cmpgt_epi32(_mm256_set1_epi32(n), lane);
      if (add) v = _mm256_add_ps(v, _mm256_maskload_ps(add + 8 * c, m));
      _mm256_maskstore_ps(y + 8 * c, m, v);
    }
  }
}

#else
// ---- Portable scalar code: one row at a time (the compiler may still use SSE2 for the 32 columns).
constexpr int kPanelRows = 1;
struct PanelRow {
  float v[kPanel];
};

template <int MR, class Epilogue>
inline void panel_block(const float* x, int64_t ldx, const float* panel, int64_t depth, Epilogue&& ep) {
  for (int i = 0; i < MR; ++i) {
    PanelRow acc = {};
    for (int64_t d = 0; d < depth; ++d) {
      const float xi = x[i * ldx + d];
      for (int c = 0; c < kPanel; ++c) acc.v[c] += xi * panel[d * kPanel + c];
    }
    ep(i, acc);
  }
}

inline uint32_t sign_bits(const PanelRow& r) {
  uint32_t word = 0;
  for (int c = 0; c < kPanel; ++c) word |= static_cast<uint32_t>(r.v[c] > 0.0f) << c;
  return word;
}

inline void store_row(const PanelRow& r, const float* add, float* y, int cols) {
  for (int c = 0; c < cols; ++c) y[c] = r.v[c] + (add ? add[c] : 0.0f);
}
#endif

// Runs a block of exactly `rows` (< MR) rows: one instantiation per possible tail size, so a tail of
// 5 rows costs one pass over the panel, not five.
template <int MR, class Epilogue>
inline void panel_tail(const float* x, int64_t ldx, int64_t rows, const float* panel, int64_t depth, Epilogue& ep) {
  if constexpr (MR > 0) {
    if (rows == MR) {
      panel_block<MR>(x, ldx, panel, depth, ep);
    } else {
      panel_tail<MR - 1>(x, ldx, rows, panel, depth, ep);
    }
  }
}

// All `rows` rows of x against one panel; ep(r, acc) receives row r (0-based within this call).
template <class Epilogue>
inline void panel_rows(const float* x, int64_t ldx, int64_t rows, const float* panel, int64_t depth, Epilogue&& ep) {
  int64_t r = 0;
  for (; r + kPanelRows <= rows; r += kPanelRows) {
    panel_block<kPanelRows>(x + r * ldx, ldx, panel, depth, [&](int i, const PanelRow& acc) { ep(r + i, acc); });
  }
  if (r < rows) {
    auto shifted = [&](int i, const PanelRow& acc) { ep(r + i, acc); };
    panel_tail<kPanelRows - 1>(x + r * ldx, ldx, rows - r, panel, depth, shifted);
  }
}

}  // namespace HASHMAC_TARGET
}  // namespace hashmac
