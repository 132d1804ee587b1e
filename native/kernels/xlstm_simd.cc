// xLSTM micro-kernels, compiled once per ISA (see simd_target.h), in vec.h's vocabulary: the mLSTM's
// decayed outer-product state update (decay_outer.h), the register-tiled sLSTM gate dot products, and
// the sLSTM cells (vectorised exp/log1p/tanh on AVX2 and AVX-512, the C library's in portable C++).
#include "simd_target.h"
#include "decay_outer.h"
#include "vec.h"
#include "xlstm_isa.h"

#include <algorithm>
#include <cmath>

namespace hashmac {
namespace HASHMAC_TARGET {
namespace {

using namespace vec;  // the SIMD vocabulary: vf, splat, load_n, store_n, fma, exp_full, ...

// Register tile of the sLSTM recurrence: kDotEntries entries (4 gate rows of R each) against kDotRows
// state rows, one accumulator per (gate row, state row). Per vector of depth it loads 4*kDotEntries
// weight vectors and kDotRows vectors of y for 4*kDotEntries*kDotRows FMAs: AVX-512 keeps 24 of its 32
// registers as accumulators (8 weight rows x 3 state rows, 11 loads per 24 FMAs); AVX2 has 16 registers
// and keeps 12 (4 x 3: 87 -> 100 GFLOP/s per core against 4 x 2 with L2-resident rows); the portable
// build (SSE2, no FMA: each product needs a register of its own) keeps 8 (4 x 2, 45 vs 43 for 4 x 3).
#if HASHMAC_TARGET_ID == 2
constexpr int kDotEntries = 2;
constexpr int kDotRows = 3;
#elif HASHMAC_TARGET_ID == 1
constexpr int kDotEntries = 1;
constexpr int kDotRows = 3;
#else
constexpr int kDotEntries = 1;
constexpr int kDotRows = 2;
#endif

// Sum of an accumulator's lanes. The portable build keeps its own pairing, (0 + 1) + (2 + 3), where
// vec::hsum pairs (0 + 2) + (1 + 3): so its sLSTM results stay bit-identical to the earlier releases.
inline float lane_sum(vf v) {
#if HASHMAC_TARGET_ID == 0
  return (v[0] + v[1]) + (v[2] + v[3]);
#else
  return vec::hsum(v);
#endif
}

// Pins a loaded vector to a register. Without it GCC folds the load into every FMA that uses the value
// (one load per FMA instead of one per weight vector): on AVX-512 that made the tile bound by its 25 loads
// per 24 FMAs rather than by the FMAs.
#if defined(__x86_64__) && HASHMAC_TARGET_ID == 2
#define HASHMAC_IN_REGISTER(v) __asm__("" : "+v"(v))
#elif defined(__x86_64__)
#define HASHMAC_IN_REGISTER(v) __asm__("" : "+x"(v))
#else
#define HASHMAC_IN_REGISTER(v) (void)(v)
#endif

// acc[i][r] += weight row i . y row r over one vector of n lanes at offset j. Every dot product runs the
// same lane-wise FMA chain and lane sum whatever the tile, so its bits do not depend on NW or NR.
template <int NW, int NR, bool kFull>
inline void gate_dots_step(vf (&acc)[NW][NR], const float* const* w, const float* const* y, int64_t j, int n) {
  vf yr[NR];
  HASHMAC_UNROLL for (int r = 0; r < NR; ++r) yr[r] = load_n(y[r] + j, kFull ? kLanes : n);
  HASHMAC_UNROLL for (int i = 0; i < NW; ++i) {
    vf wi = load_n(w[i] + j, kFull ? kLanes : n);
    HASHMAC_IN_REGISTER(wi);
    HASHMAC_UNROLL for (int r = 0; r < NR; ++r) acc[i][r] = fma(wi, yr[r], acc[i][r]);
  }
}

#if HASHMAC_TARGET_ID == 2
// The lane sums of 16 accumulators at once, each in vec::hsum's order (the two halves, then the two
// quarters, then (0 + 2) + (1 + 3)), so the bits equal 16 separate hsums; 15 shuffle pairs and adds
// instead of 16 reductions of 8 operations each. Lane 4q + m of the result is the sum of v[4m + q].
inline __m512 lane_sums16(const __m512 (&v)[16]) {
  __m512 s[8], t[4], u[2];
  for (int i = 0; i < 8; ++i)  // halves: lanes 0-7 of s[i] for v[2i], 8-15 for v[2i+1]
    s[i] = _mm512_add_ps(_mm512_shuffle_f32x4(v[2 * i], v[2 * i + 1], 0x44), _mm512_shuffle_f32x4(v[2 * i], v[2 * i + 1], 0xEE));
  for (int i = 0; i < 4; ++i)  // quarters: quarter j of t[i] for v[4i + j]
    t[i] = _mm512_add_ps(_mm512_shuffle_f32x4(s[2 * i], s[2 * i + 1], 0x88), _mm512_shuffle_f32x4(s[2 * i], s[2 * i + 1], 0xDD));
  for (int i = 0; i < 2; ++i)  // (0 + 2), (1 + 3) of each quarter: t[2i] in lanes 0-1, t[2i+1] in lanes 2-3
    u[i] = _mm512_add_ps(_mm512_shuffle_ps(t[2 * i], t[2 * i + 1], _MM_SHUFFLE(1, 0, 1, 0)),
                         _mm512_shuffle_ps(t[2 * i], t[2 * i + 1], _MM_SHUFFLE(3, 2, 3, 2)));
  return _mm512_add_ps(_mm512_shuffle_ps(u[0], u[1], _MM_SHUFFLE(2, 0, 2, 0)), _mm512_shuffle_ps(u[0], u[1], _MM_SHUFFLE(3, 1, 3, 1)));
}

// out[r*ld_row + (i%4)*ld_gate + i/4] = lane sum of acc[i][r], 16 accumulators per lane_sums16 (the last
// group padded with zeros).
template <int NW, int NR>
inline void store_lane_sums(const vf (&acc)[NW][NR], float* out, int64_t ld_row, int64_t ld_gate) {
  constexpr int kCount = NW * NR;
  HASHMAC_UNROLL for (int g0 = 0; g0 < kCount; g0 += 16) {
    __m512 v[16];
    HASHMAC_UNROLL for (int j = 0; j < 16; ++j) v[j] = g0 + j < kCount ? (__m512)acc[(g0 + j) / NR][(g0 + j) % NR] : _mm512_setzero_ps();
    alignas(64) float sums[16];
    _mm512_store_ps(sums, lane_sums16(v));
    HASHMAC_UNROLL for (int lane = 0; lane < 16; ++lane) {
      const int idx = g0 + (lane % 4) * 4 + lane / 4;
      if (idx < kCount) out[(idx % NR) * ld_row + (idx / NR % 4) * ld_gate + idx / NR / 4] = sums[lane];
    }
  }
}
#else
template <int NW, int NR>
inline void store_lane_sums(const vf (&acc)[NW][NR], float* out, int64_t ld_row, int64_t ld_gate) {
  HASHMAC_UNROLL for (int i = 0; i < NW; ++i)
    HASHMAC_UNROLL for (int r = 0; r < NR; ++r) out[r * ld_row + (i % 4) * ld_gate + i / 4] = lane_sum(acc[i][r]);
}
#endif

template <int NW, int NR>
void gate_dots_n(const float* const* w, const float* const* y, int64_t depth, float* out, int64_t ld_row, int64_t ld_gate) {
  vf acc[NW][NR];
  HASHMAC_UNROLL for (int i = 0; i < NW; ++i)
    HASHMAC_UNROLL for (int r = 0; r < NR; ++r) acc[i][r] = splat<vf>(0.0f);
  int64_t j = 0;
  for (; j + kLanes <= depth; j += kLanes) gate_dots_step<NW, NR, true>(acc, w, y, j, kLanes);
  if (j < depth) gate_dots_step<NW, NR, false>(acc, w, y, j, static_cast<int>(depth - j));
  store_lane_sums<NW, NR>(acc, out, ld_row, ld_gate);
}

// The tile for nr state rows (1 <= nr <= NR) and 4*NE weight rows.
template <int NE, int NR>
void gate_dots_rows(const float* const* w, const float* const* y, int nr, int64_t depth, float* out, int64_t ld_row, int64_t ld_gate) {
  if constexpr (NR > 1) {
    if (nr < NR) return gate_dots_rows<NE, NR - 1>(w, y, nr, depth, out, ld_row, ld_gate);
  }
  gate_dots_n<4 * NE, NR>(w, y, depth, out, ld_row, ld_gate);
}

template <int NE>
void gate_dots_entries(const float* const* w, int ne, const float* const* y, int nr, int64_t depth, float* out, int64_t ld_row,
                       int64_t ld_gate) {
  if constexpr (NE > 1) {
    if (ne < NE) return gate_dots_entries<NE - 1>(w, ne, y, nr, depth, out, ld_row, ld_gate);
  }
  gate_dots_rows<NE, kDotRows>(w, y, nr, depth, out, ld_row, ld_gate);
}

void gate_dots(const float* const* w, int ne, const float* const* y, int nr, int64_t depth, float* out, int64_t ld_row, int64_t ld_gate) {
  gate_dots_entries<kDotEntries>(w, ne, y, nr, depth, out, ld_row, ld_gate);
}

// ---- sLSTM cells -------------------------------------------------------------------------------------

#if HASHMAC_TARGET_ID > 0
// log(1 + u) for u in [0, 1] as 2*atanh(s), s = u/(2+u) in [0, 1/3]: no cancellation for small u.
inline vf log1p_unit(vf u) {
  const vf s = u / (splat<vf>(2.0f) + u);
  const vf z = s * s;
  vf q = splat<vf>(1.0f / 15);
  q = fma(q, z, splat<vf>(1.0f / 13));
  q = fma(q, z, splat<vf>(1.0f / 11));
  q = fma(q, z, splat<vf>(1.0f / 9));
  q = fma(q, z, splat<vf>(1.0f / 7));
  q = fma(q, z, splat<vf>(1.0f / 5));
  q = fma(q, z, splat<vf>(1.0f / 3));
  q = fma(q, z, splat<vf>(1.0f));
  return (s + s) * q;
}

// log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)), finite for every finite x.
inline vf log_sigmoid(vf x) {
  const vf zero = splat<vf>(0.0f);
  return vec::min(x, zero) - log1p_unit(exp_full(zero - vec::abs(x)));
}

// tanh(z) = 1 - 2/(e^{2z} + 1): saturates to +-1 without overflow; absolute error ~1e-7 near 0.
inline vf tanh(vf z) { return splat<vf>(1.0f) - splat<vf>(2.0f) / (exp_full(z + z) + splat<vf>(1.0f)); }

// The cells of `count` consecutive entries, kLanes at a time (see slstm_cells in xlstm_isa.h).
void slstm_cells(const float* rec, int64_t rec_stride, const float* wx, const float* bias, int64_t gate_stride, float eps,
                 float* c, float* n, float* m, float* y, int64_t count) {
  const vf one = splat<vf>(1.0f);
  for (int64_t e = 0; e < count; e += kLanes) {
    const int w = static_cast<int>(std::min<int64_t>(kLanes, count - e));
    vf pre[4];
    for (int g = 0; g < 4; ++g) {
      pre[g] = load_n(wx + g * gate_stride + e, w) + load_n(rec + g * rec_stride + e, w);
      if (bias) pre[g] = pre[g] + load_n(bias + g * gate_stride + e, w);
    }
    // lf = m + logsigmoid(pre_f); m' = max(pre_i, lf); one of i = exp(pre_i - m'), f = exp(lf - m') is 1.
    // A fresh state (m = -inf) gives lf = -inf, m' = pre_i, i = 1, f = exp(-inf) = 0.
    const vf lf = load_n(m + e, w) + log_sigmoid(pre[1]);
    const vec::vi take_i = pre[0] >= lf;
    const vf other = exp_full(take_i ? lf - pre[0] : pre[0] - lf);
    const vf f = take_i ? other : one, i = take_i ? one : other;
    // i*tanh first: with FMA contraction GCC then fuses it, not f*c, as it always has (same bits).
    const vf i_z = i * tanh(pre[2]);
    const vf c_new = f * load_n(c + e, w) + i_z;
    const vf n_new = f * load_n(n + e, w) + i;
    const vf gate_o = one / (one + exp_full(splat<vf>(0.0f) - pre[3]));
    store_n(c + e, c_new, w);
    store_n(n + e, n_new, w);
    store_n(m + e, take_i ? pre[0] : lf, w);
    store_n(y + e, gate_o * c_new / (n_new + splat<vf>(eps)), w);
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

extern const XlstmMicroKernels xlstm_micro = {decay_outer::readout, gate_dots, kDotEntries, kDotRows, slstm_cells};

}  // namespace HASHMAC_TARGET
}  // namespace hashmac
