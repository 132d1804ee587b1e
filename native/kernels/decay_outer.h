// The decayed outer-product state update with read-out, the core of the retention step (retnet_simd.cc)
// and of the mLSTM step (xlstm_simd.cc), on a thin per-ISA vector layer (16 lanes on AVX-512, 8 on AVX2,
// 4 in portable C++). Included by those *_simd.cc files after simd_target.h: it lives in the per-ISA
// namespace, so each copy keeps its own -m flags.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace hashmac {
namespace HASHMAC_TARGET {
namespace {

#if HASHMAC_TARGET_ID == 2
using V = __m512;
constexpr int kLanes = 16;
constexpr int kTileRows = 8;   // 8 rows x 2 vectors of state stay in registers across all T steps
constexpr int kGateRows = 4;   // sLSTM: 4 gates x 4 state rows of accumulators
inline V vzero() { return _mm512_setzero_ps(); }
inline V vset1(float x) { return _mm512_set1_ps(x); }
inline __mmask16 lanes(int n) { return n >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << n) - 1); }
inline V vload(const float* p, int n) { return _mm512_maskz_loadu_ps(lanes(n), p); }
inline void vstore(float* p, V v, int n) { _mm512_mask_storeu_ps(p, lanes(n), v); }
inline V vmul(V a, V b) { return _mm512_mul_ps(a, b); }
inline V vfma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
inline V vadd(V a, V b) { return _mm512_add_ps(a, b); }
using Mask = __mmask16;
inline V vsub(V a, V b) { return _mm512_sub_ps(a, b); }
inline V vdiv(V a, V b) { return _mm512_div_ps(a, b); }
// The maskz forms with a full mask: GCC 12's plain forms pass an undefined source that -Wuninitialized flags.
constexpr __mmask16 kAll = 0xffff;
inline V vmin(V a, V b) { return _mm512_maskz_min_ps(kAll, a, b); }
inline V vmax(V a, V b) { return _mm512_maskz_max_ps(kAll, a, b); }
inline V vabs(V a) { return _mm512_abs_ps(a); }
inline Mask vge(V a, V b) { return _mm512_cmp_ps_mask(a, b, _CMP_GE_OQ); }
inline Mask vlt(V a, V b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
inline Mask visnan(V a) { return _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q); }
inline V vsel(Mask m, V a, V b) { return _mm512_mask_blend_ps(m, b, a); }  // m ? a : b
inline V vround(V a) { return _mm512_maskz_roundscale_ps(kAll, a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
// 2^n for integral n in [-126, 127], built in the exponent field.
inline V vpow2i(V n) {
  return _mm512_castsi512_ps(_mm512_maskz_slli_epi32(kAll, _mm512_add_epi32(_mm512_maskz_cvtps_epi32(kAll, n), _mm512_set1_epi32(127)), 23));
}
inline float vsum(V v) { return hsum(v); }

#elif HASHMAC_TARGET_ID == 1
using V = __m256;
constexpr int kLanes = 8;
constexpr int kTileRows = 4;
constexpr int kGateRows = 2;
inline V vzero() { return _mm256_setzero_ps(); }
inline V vset1(float x) { return _mm256_set1_ps(x); }
inline __m256i lanes(int n) { return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)); }
inline V vload(const float* p, int n) { return n >= 8 ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, lanes(n)); }
inline void vstore(float* p, V v, int n) {
  if (n >= 8) _mm256_storeu_ps(p, v);
  else _mm256_maskstore_ps(p, lanes(n), v);
}
inline V vmul(V a, V b) { return _mm256_mul_ps(a, b); }
inline V vfma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
inline V vadd(V a, V b) { return _mm256_add_ps(a, b); }
using Mask = __m256;
inline V vsub(V a, V b) { return _mm256_sub_ps(a, b); }
inline V vdiv(V a, V b) { return _mm256_div_ps(a, b); }
inline V vmin(V a, V b) { return _mm256_min_ps(a, b); }
inline V vmax(V a, V b) { return _mm256_max_ps(a, b); }
inline V vabs(V a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }
inline Mask vge(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_GE_OQ); }
inline Mask vlt(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
inline Mask visnan(V a) { return _mm256_cmp_ps(a, a, _CMP_UNORD_Q); }
inline V vsel(Mask m, V a, V b) { return _mm256_blendv_ps(b, a, m); }  // m ? a : b
inline V vround(V a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
inline V vpow2i(V n) {
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23));
}
inline float vsum(V v) { return hsum(v); }

#else
// Portable: 4 lanes of plain floats; the compiler maps them onto the baseline vector unit.
struct V { float x[4]; };
constexpr int kLanes = 4;
constexpr int kTileRows = 4;
constexpr int kGateRows = 2;
inline V vzero() { return V{{0, 0, 0, 0}}; }
inline V vset1(float s) { return V{{s, s, s, s}}; }
inline V vload(const float* p, int n) {
  V v = vzero();
  if (n >= 4) std::memcpy(v.x, p, sizeof v.x);
  else for (int i = 0; i < n; ++i) v.x[i] = p[i];
  return v;
}
inline void vstore(float* p, V v, int n) {
  if (n >= 4) std::memcpy(p, v.x, sizeof v.x);
  else for (int i = 0; i < n; ++i) p[i] = v.x[i];
}
inline V vmul(V a, V b) { return V{{a.x[0] * b.x[0], a.x[1] * b.x[1], a.x[2] * b.x[2], a.x[3] * b.x[3]}}; }
inline V vadd(V a, V b) { return V{{a.x[0] + b.x[0], a.x[1] + b.x[1], a.x[2] + b.x[2], a.x[3] + b.x[3]}}; }
inline V vfma(V a, V b, V c) { return vadd(vmul(a, b), c); }
inline float vsum(V v) { return (v.x[0] + v.x[1]) + (v.x[2] + v.x[3]); }
#endif

constexpr int kTileVecs = 2;  // columns per state tile: 2 vectors

// The fixed-size loops below are unrolled explicitly so that GCC turns the tile arrays into registers
// (without full unrolling it keeps them on the stack and the kernel becomes load/store bound).
#define HASHMAC_UNROLL _Pragma("GCC unroll 16")

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
  V s[R][NV];
  HASHMAC_UNROLL for (int r = 0; r < R; ++r)
    HASHMAC_UNROLL for (int c = 0; c < NV; ++c) s[r][c] = vload(M + r * ld + c * kLanes, c == NV - 1 ? tail : kLanes);
  for (int64_t t = 0; t < T; ++t) {
    const float* kt = key + t * k_stride;
    const float* qt = query + t * q_stride;
    const V ft = vset1(f[t]);
    V vt[NV], acc[NV];
    HASHMAC_UNROLL for (int c = 0; c < NV; ++c) {
      vt[c] = vload(val + t * v_stride + c * kLanes, c == NV - 1 ? tail : kLanes);
      acc[c] = vzero();
    }
    HASHMAC_UNROLL for (int r = 0; r < R; ++r) {
      const V kr = vset1(kt[r]), qr = vset1(qt[r]);
      HASHMAC_UNROLL for (int c = 0; c < NV; ++c) {
        s[r][c] = vfma(kr, vt[c], vmul(s[r][c], ft));
        acc[c] = vfma(qr, s[r][c], acc[c]);
      }
    }
    float* ot = out + t * o_stride;
    HASHMAC_UNROLL for (int c = 0; c < NV; ++c) {
      const int n = c == NV - 1 ? tail : kLanes;
      vstore(ot + c * kLanes, vadd(vload(ot + c * kLanes, n), acc[c]), n);
    }
  }
  HASHMAC_UNROLL for (int r = 0; r < R; ++r)
    HASHMAC_UNROLL for (int c = 0; c < NV; ++c) vstore(M + r * ld + c * kLanes, s[r][c], c == NV - 1 ? tail : kLanes);
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
void decay_outer_readout(float* M, int64_t ld, int64_t rows, int64_t cols, int64_t T, const float* f, const float* key,
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
}  // namespace HASHMAC_TARGET
}  // namespace hashmac
