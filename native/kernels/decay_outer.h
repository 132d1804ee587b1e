// The decayed outer-product state update with read-out (signature and contract: decay_outer_isa.h), the
// core of the retention step (retnet_simd.cc) and of the mLSTM step (xlstm_simd.cc). Written in vec.h's
// vocabulary; included by those *_simd.cc files after simd_target.h, so it lives in the per-ISA namespace
// and each copy keeps its own -m flags.
#pragma once
#include <cstdint>

#include "vec.h"

namespace hashmac {
namespace HASHMAC_TARGET {
namespace decay_outer {
namespace {  // each including *_simd.cc gets its own copy, as when this code lived in one of them

using vec::fma;
using vec::kLanes;
using vec::load_n;
using vec::splat;
using vec::store_n;
using vec::vf;

#if HASHMAC_TARGET_ID == 2
constexpr int kTileRows = 8;  // 8 rows x 2 vectors of state stay in registers across all T steps
#else
constexpr int kTileRows = 4;
#endif
constexpr int kTileVecs = 2;  // columns per state tile: 2 vectors

// The fixed-size loops below are unrolled explicitly (vec.h's HASHMAC_UNROLL) so that GCC turns the tile
// arrays into registers: without full unrolling it keeps them on the stack and the kernel becomes
// load/store bound.

// One tile of R rows x NV vectors of state: all T steps in registers. `last` is the number of valid
// lanes of the last vector (kLanes when kFull).
template <int R, int NV, bool kFull>
void decay_tile(float* M, int64_t ld, int last, int64_t T, const float* f, const float* key, int64_t k_stride,
                const float* query, int64_t q_stride, const float* val, int64_t v_stride, float* out, int64_t o_stride) {
  const int tail = kFull ? kLanes : last;
  if (kFull) {
    // The same tile two row blocks down: each row of a block is a short stream (Dv floats), too short
    // for the hardware prefetcher to ramp up before the block ends. Prefetches never fault, so running
    // past the end of M is harmless.
    HASHMAC_UNROLL for (int r = 0; r < R; ++r)
      HASHMAC_UNROLL for (int c = 0; c < NV * kLanes; c += 16) __builtin_prefetch(M + (r + 2 * R) * ld + c, 1, 0);
  }
  vf s[R][NV];
  HASHMAC_UNROLL for (int r = 0; r < R; ++r)
    HASHMAC_UNROLL for (int c = 0; c < NV; ++c) s[r][c] = load_n(M + r * ld + c * kLanes, c == NV - 1 ? tail : kLanes);
  for (int64_t t = 0; t < T; ++t) {
    const float* kt = key + t * k_stride;
    const float* qt = query + t * q_stride;
    const vf ft = splat<vf>(f[t]);
    vf vt[NV], acc[NV];
    HASHMAC_UNROLL for (int c = 0; c < NV; ++c) {
      vt[c] = load_n(val + t * v_stride + c * kLanes, c == NV - 1 ? tail : kLanes);
      acc[c] = splat<vf>(0.0f);
    }
    HASHMAC_UNROLL for (int r = 0; r < R; ++r) {
      const vf kr = splat<vf>(kt[r]), qr = splat<vf>(qt[r]);
      HASHMAC_UNROLL for (int c = 0; c < NV; ++c) {
        s[r][c] = fma(kr, vt[c], s[r][c] * ft);
        acc[c] = fma(qr, s[r][c], acc[c]);
      }
    }
    float* ot = out + t * o_stride;
    HASHMAC_UNROLL for (int c = 0; c < NV; ++c) {
      const int n = c == NV - 1 ? tail : kLanes;
      store_n(ot + c * kLanes, load_n(ot + c * kLanes, n) + acc[c], n);
    }
  }
  HASHMAC_UNROLL for (int r = 0; r < R; ++r)
    HASHMAC_UNROLL for (int c = 0; c < NV; ++c) store_n(M + r * ld + c * kLanes, s[r][c], c == NV - 1 ? tail : kLanes);
}

template <int R>
void decay_rows(float* M, int64_t ld, int64_t cols, int64_t T, const float* f, const float* key, int64_t k_stride,
                const float* query, int64_t q_stride, const float* val, int64_t v_stride, float* out, int64_t o_stride) {
  constexpr int64_t kTileCols = kTileVecs * kLanes;
  int64_t c0 = 0;
  for (; c0 + kTileCols <= cols; c0 += kTileCols)
    decay_tile<R, kTileVecs, true>(M + c0, ld, kLanes, T, f, key, k_stride, query, q_stride, val + c0, v_stride, out + c0, o_stride);
  for (; c0 < cols; c0 += kLanes) {  // column tail: one vector at a time, the last one partial
    const int n = static_cast<int>(cols - c0 < kLanes ? cols - c0 : kLanes);
    decay_tile<R, 1, false>(M + c0, ld, n, T, f, key, k_stride, query, q_stride, val + c0, v_stride, out + c0, o_stride);
  }
}

template <int R>
void decay_rows_tail(int rows, float* M, int64_t ld, int64_t cols, int64_t T, const float* f, const float* key,
                     int64_t k_stride, const float* query, int64_t q_stride, const float* val, int64_t v_stride, float* out,
                     int64_t o_stride) {
  if constexpr (R > 0) {
    if (rows == R) return decay_rows<R>(M, ld, cols, T, f, key, k_stride, query, q_stride, val, v_stride, out, o_stride);
    decay_rows_tail<R - 1>(rows, M, ld, cols, T, f, key, k_stride, query, q_stride, val, v_stride, out, o_stride);
  }
}

// Row blocks walk M top to bottom, so the state streams through memory in order.
void readout(float* M, int64_t ld, int64_t rows, int64_t cols, int64_t T, const float* f, const float* key,
                         int64_t k_stride, const float* query, int64_t q_stride, const float* val, int64_t v_stride, float* out,
                         int64_t o_stride) {
  int64_t r0 = 0;
  for (; r0 + kTileRows <= rows; r0 += kTileRows)
    decay_rows<kTileRows>(M + r0 * ld, ld, cols, T, f, key + r0, k_stride, query + r0, q_stride, val, v_stride, out, o_stride);
  if (r0 < rows)
    decay_rows_tail<kTileRows - 1>(static_cast<int>(rows - r0), M + r0 * ld, ld, cols, T, f, key + r0, k_stride, query + r0,
                                   q_stride, val, v_stride, out, o_stride);
}

}  // namespace
}  // namespace decay_outer
}  // namespace HASHMAC_TARGET
}  // namespace hashmac
