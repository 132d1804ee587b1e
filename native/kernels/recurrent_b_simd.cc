// recurrent-b micro-kernels, compiled once per ISA (see simd_target.h). A thin vector layer (16 lanes on
// AVX-512, 8 on AVX2, 4 in portable C++) carries two register-tiled kernels, the decayed outer-product
// state update with read-out (retention, mLSTM) and the sLSTM gate dot products, and the sLSTM cells
// (vectorised exp/log1p/tanh on AVX2 and AVX-512, the C library's in portable C++).
#include "simd_target.h"
#include "recurrent_b_isa.h"

#include <algorithm>
#include <cmath>

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

// acc[g][r] += gate row g . y row r over one vector of n lanes at offset j.
template <int NR, bool kFull>
inline void gate_dots_step(V (&acc)[4][NR], const float* const* g, const float* const* y, int64_t j, int n) {
  V yr[NR];
  HASHMAC_UNROLL for (int r = 0; r < NR; ++r) yr[r] = vload(y[r] + j, kFull ? kLanes : n);
  HASHMAC_UNROLL for (int i = 0; i < 4; ++i) {
    const V gi = vload(g[i] + j, kFull ? kLanes : n);
    HASHMAC_UNROLL for (int r = 0; r < NR; ++r) acc[i][r] = vfma(gi, yr[r], acc[i][r]);
  }
}

template <int NR>
void gate_dots_n(const float* const* g, const float* const* y, int64_t depth, float* out) {
  V acc[4][NR];
  HASHMAC_UNROLL for (int i = 0; i < 4; ++i)
    HASHMAC_UNROLL for (int r = 0; r < NR; ++r) acc[i][r] = vzero();
  int64_t j = 0;
  for (; j + kLanes <= depth; j += kLanes) gate_dots_step<NR, true>(acc, g, y, j, kLanes);
  if (j < depth) gate_dots_step<NR, false>(acc, g, y, j, static_cast<int>(depth - j));
  HASHMAC_UNROLL for (int i = 0; i < 4; ++i)
    HASHMAC_UNROLL for (int r = 0; r < NR; ++r) out[i * NR + r] = vsum(acc[i][r]);
}

template <int NR>
void gate_dots_tail(const float* const* g, const float* const* y, int nr, int64_t depth, float* out) {
  if constexpr (NR > 0) {
    if (nr == NR) return gate_dots_n<NR>(g, y, depth, out);
    gate_dots_tail<NR - 1>(g, y, nr, depth, out);
  }
}

void gate_dots(const float* const* g, const float* const* y, int nr, int64_t depth, float* out) {
  gate_dots_tail<kGateRows>(g, y, nr, depth, out);
}

// ---- sLSTM cells -------------------------------------------------------------------------------------

#if HASHMAC_TARGET_ID > 0
// exp(x) in float32 to about an ulp: x = n*ln2 + r with |r| <= ln2/2 (ln2 split in two for an exact
// reduction), e^r by Cephes' expf polynomial, and 2^n applied in two halves so that subnormal results
// round correctly. exp(-inf) = 0, exp(+inf) = inf, NaN stays NaN.
inline V vexp(V x) {
  const V xc = vmin(vmax(x, vset1(-104.0f)), vset1(89.0f));
  const V n = vround(vmul(xc, vset1(1.44269504088896341f)));
  V r = vfma(n, vset1(-0.693359375f), xc);
  r = vfma(n, vset1(2.12194440e-4f), r);
  V p = vset1(1.9875691500e-4f);
  p = vfma(p, r, vset1(1.3981999507e-3f));
  p = vfma(p, r, vset1(8.3334519073e-3f));
  p = vfma(p, r, vset1(4.1665795894e-2f));
  p = vfma(p, r, vset1(1.6666665459e-1f));
  p = vfma(p, r, vset1(5.0000001201e-1f));
  p = vfma(vmul(p, r), r, vadd(r, vset1(1.0f)));
  const V half = vround(vmul(n, vset1(0.5f)));
  V y = vmul(vmul(p, vpow2i(half)), vpow2i(vsub(n, half)));
  y = vsel(vlt(x, vset1(-104.0f)), vzero(), y);
  return vsel(visnan(x), x, y);
}

// log(1 + u) for u in [0, 1] as 2*atanh(s), s = u/(2+u) in [0, 1/3]: no cancellation for small u.
inline V vlog1p_unit(V u) {
  const V s = vdiv(u, vadd(vset1(2.0f), u));
  const V z = vmul(s, s);
  V q = vset1(1.0f / 15);
  q = vfma(q, z, vset1(1.0f / 13));
  q = vfma(q, z, vset1(1.0f / 11));
  q = vfma(q, z, vset1(1.0f / 9));
  q = vfma(q, z, vset1(1.0f / 7));
  q = vfma(q, z, vset1(1.0f / 5));
  q = vfma(q, z, vset1(1.0f / 3));
  q = vfma(q, z, vset1(1.0f));
  return vmul(vadd(s, s), q);
}

// log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)), finite for every finite x.
inline V vlog_sigmoid(V x) { return vsub(vmin(x, vzero()), vlog1p_unit(vexp(vsub(vzero(), vabs(x))))); }

// tanh(z) = 1 - 2/(e^{2z} + 1): saturates to +-1 without overflow; absolute error ~1e-7 near 0.
inline V vtanh(V z) { return vsub(vset1(1.0f), vdiv(vset1(2.0f), vadd(vexp(vadd(z, z)), vset1(1.0f)))); }

// The cells of `count` consecutive entries, kLanes at a time (see slstm_cells in recurrent_b_isa.h).
void slstm_cells(const float* rec, int64_t rec_stride, const float* wx, const float* bias, int64_t gate_stride, float eps,
                 float* c, float* n, float* m, float* y, int64_t count) {
  const V one = vset1(1.0f);
  for (int64_t e = 0; e < count; e += kLanes) {
    const int w = static_cast<int>(std::min<int64_t>(kLanes, count - e));
    V pre[4];
    for (int g = 0; g < 4; ++g) {
      pre[g] = vadd(vload(wx + g * gate_stride + e, w), vload(rec + g * rec_stride + e, w));
      if (bias) pre[g] = vadd(pre[g], vload(bias + g * gate_stride + e, w));
    }
    // lf = m + logsigmoid(pre_f); m' = max(pre_i, lf); one of i = exp(pre_i - m'), f = exp(lf - m') is 1.
    // A fresh state (m = -inf) gives lf = -inf, m' = pre_i, i = 1, f = exp(-inf) = 0.
    const V lf = vadd(vload(m + e, w), vlog_sigmoid(pre[1]));
    const Mask take_i = vge(pre[0], lf);
    const V other = vexp(vsel(take_i, vsub(lf, pre[0]), vsub(pre[0], lf)));
    const V f = vsel(take_i, other, one), i = vsel(take_i, one, other);
    const V c_new = vadd(vmul(f, vload(c + e, w)), vmul(i, vtanh(pre[2])));
    const V n_new = vadd(vmul(f, vload(n + e, w)), i);
    const V gate_o = vdiv(one, vadd(one, vexp(vsub(vzero(), pre[3]))));
    vstore(c + e, c_new, w);
    vstore(n + e, n_new, w);
    vstore(m + e, vsel(take_i, pre[0], lf), w);
    vstore(y + e, vdiv(vmul(gate_o, c_new), vadd(n_new, vset1(eps))), w);
  }
}

#else
float log_sigmoid(float x) { return std::min(x, 0.0f) - std::log1p(std::exp(-std::fabs(x))); }

// Portable: one entry at a time with the C library's float functions.
void slstm_cells(const float* rec, int64_t rec_stride, const float* wx, const float* bias, int64_t gate_stride, float eps,
                 float* c, float* n, float* m, float* y, int64_t count) {
  for (int64_t e = 0; e < count; ++e) {
    float pre[4];
    for (int g = 0; g < 4; ++g) pre[g] = wx[g * gate_stride + e] + rec[g * rec_stride + e] + (bias ? bias[g * gate_stride + e] : 0.0f);
    const float lf = m[e] + log_sigmoid(pre[1]);
    float i = 1.0f, f = 1.0f;  // one of them is exp(0) = 1; computing only the other changes no bit
    if (pre[0] >= lf) {
      m[e] = pre[0];
      f = std::exp(lf - pre[0]);
    } else {
      m[e] = lf;
      i = std::exp(pre[0] - lf);
    }
    c[e] = f * c[e] + i * std::tanh(pre[2]);
    n[e] = f * n[e] + i;
    const float gate_o = 1.0f / (1.0f + std::exp(-pre[3]));
    y[e] = gate_o * c[e] / (n[e] + eps);
  }
}
#endif

}  // namespace

extern const RecurrentBMicroKernels recurrent_b_micro = {decay_outer_readout, gate_dots, kGateRows, slstm_cells};

}  // namespace HASHMAC_TARGET
}  // namespace hashmac
