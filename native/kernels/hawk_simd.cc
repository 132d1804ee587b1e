// Hawk micro-kernels, compiled once per ISA (see simd_target.h). Each loop body is a template over
// V = vec::vf (full vectors) or V = float (the tail), so vector and tail code cannot drift apart. The
// RG-LRU state of a (slot, feature block) is loaded once, carried through every step of the call in L1,
// and stored once.
#include "simd_target.h"
#include "hawk_isa.h"
#include "vec.h"

#include <cmath>

namespace hashmac {
namespace HASHMAC_TARGET {
namespace {

using vec::load;
using vec::splat;
using vec::store;
using vec::vf;
constexpr int kLanes = vec::kLanes;

// ---- RG-LRU step ----------------------------------------------------------------------------------

// 1 - a^2 for a = e^l, l <= 0, given both, without the cancellation of 1 - a*a as a -> 1: with y = 2l,
// the Taylor series of -expm1(y) (to y^8, truncation < 1e-8 relative) for |y| < 0.5, where a^2 > 0.6
// would lose bits; 1 - a*a beyond, accurate to about 1 ulp there, so no second exp is needed.
template <class V>
inline V one_minus_square(V l, V a) {
  const V y = l + l;
  V p = splat<V>(1.0f / 40320);
  p = p * y + splat<V>(1.0f / 5040);
  p = p * y + splat<V>(1.0f / 720);
  p = p * y + splat<V>(1.0f / 120);
  p = p * y + splat<V>(1.0f / 24);
  p = p * y + splat<V>(1.0f / 6);
  p = p * y + splat<V>(0.5f);
  p = p * y + splat<V>(1.0f);
  const V series = -(p * y);
  return y > splat<V>(-0.5f) ? series : 1.0f - a * a;
}

// sigmoid(u) and sigmoid(v) with one division: 1/(1+e^-u) = (1+e^-v) / ((1+e^-u)(1+e^-v)). Division and
// sqrt share one slow unit, which bounds this kernel. Inputs are clamped to +-40 so that the product
// stays finite; sigmoid(40) is 1 and sigmoid(-40) is 4e-18 in float32.
template <class V>
inline void sigmoid_pair(V u, V v, V& su, V& sv) {
  const V lim = splat<V>(40.0f);
  u = u > lim ? lim : (u < -lim ? -lim : u);
  v = v > lim ? lim : (v < -lim ? -lim : v);
  const V du = 1.0f + vec::exp_in_range(-u), dv = 1.0f + vec::exp_in_range(-v);
  const V inv = 1.0f / (du * dv);
  su = dv * inv;
  sv = du * inv;
}

// h_t of lanes [w, w + lanes) (i: the same features in the [batch, steps, width] inputs).
template <class V>
inline V rglru_value(const RglruArgs& a, int64_t i, int64_t w, bool reset, const float* log_a, const float* h) {
  V sig_x, sig_a;
  sigmoid_pair(load<V>(a.gate_x + i), load<V>(a.gate_a + i), sig_x, sig_a);
  const V gx = sig_x * load<V>(a.x + i);
  if (reset) return gx;  // a_t = 0, multiplier 1
  // log a_t <= 0; 1 - a_t^2 is formed without cancelling as a_t -> 1 (one_minus_square above).
  const V log_at = splat<V>(0.0f + a.c) * sig_a * load<V>(log_a + w);  // 0 + c: a -0 broadcast as +0, as always
  const V at = vec::exp(log_at);
  return at * load<V>(h + w) + vec::sqrt(one_minus_square(log_at, at)) * gx;
}

template <class V>
inline void rglru_lanes(const RglruArgs& a, int64_t i, int64_t w, bool reset, const float* log_a, float* h) {
  const V hv = rglru_value<V>(a, i, w, reset, log_a, h);
  store<V>(h + w, hv);
  store<V>(a.out + i, hv);
}

// Lanes [lo, hi) of the full vector of features [w, w + kLanes): the other lanes are computed and
// dropped, so every feature's result is the same wherever the vectors start.
inline void rglru_partial(const RglruArgs& a, int64_t row, int64_t w, bool reset, const float* log_a, float* h, int lo, int hi) {
  const vf hv = rglru_value<vf>(a, row + w, w, reset, log_a, h);
  vec::store_lanes(h + w, hv, lo, hi);
  vec::store_lanes(a.out + row + w, hv, lo, hi);
}

// Features [w0, w0 + wn) of one row: the block of h stays in L1 across the steps.
void rglru_block(const RglruArgs& a, int64_t b, int64_t w0, int64_t wn, const float* log_a) {
  const int64_t W = a.width, T = a.steps;
  float* h = a.h + static_cast<int64_t>(a.slots[b]) * W;
  for (int64_t t = 0; t < T; ++t) {
    const bool reset = a.reset && a.reset[b * T + t];
    const int64_t row = (b * T + t) * W;
    int64_t w = w0;
    if (a.stream_out && wn >= 2 * kLanes) {
      // Features up to the first vector-aligned output from a full vector of which only they are stored
      // (the same values as anywhere else in a vector), then non-temporal full vectors.
      int head = 0;
      while (!vec::vector_aligned(a.out + row + w + head)) ++head;
      if (head > 0) rglru_partial(a, row, w, reset, log_a, h, 0, head);
      w += head;
      for (; w + kLanes <= w0 + wn; w += kLanes) {
        const vf hv = rglru_value<vf>(a, row + w, w, reset, log_a, h);
        store<vf>(h + w, hv);
        vec::stream(a.out + row + w, hv);
      }
    }
    for (; w + kLanes <= w0 + wn; w += kLanes) rglru_lanes<vf>(a, row + w, w, reset, log_a, h);
    if (wn < kLanes) {
      for (; w < w0 + wn; ++w) rglru_lanes<float>(a, row + w, w, reset, log_a, h);
    } else if (w < w0 + wn) {  // the vector ending at the block's end, of which only these lanes are stored
      const int64_t from = w0 + wn - kLanes;
      rglru_partial(a, row, from, reset, log_a, h, static_cast<int>(w - from), kLanes);
    }
  }
  if (a.stream_out) vec::stream_fence();
}

// ---- block-diagonal linear ------------------------------------------------------------------------

#if HASHMAC_TARGET_ID == 2
constexpr int kRowsMR = 4, kColsNR = 4;  // 16 zmm accumulators
#else
constexpr int kRowsMR = 2, kColsNR = 4;  // 8 accumulators of 16 registers
#endif

// y[r, k] = bias[k] + x[r, :] . w[k, :] for MR rows and NR output columns: vector partial sums over the
// input dimension, one horizontal sum per output.
template <int MR, int NR>
inline void dot_block(const float* x, int64_t ldx, const float* w, int64_t depth, float* y, int64_t ldy, const float* bias) {
  vf acc[MR][NR];
  for (int r = 0; r < MR; ++r)
    for (int k = 0; k < NR; ++k) acc[r][k] = splat<vf>(0.0f);
  int64_t d = 0;
  for (; d + kLanes <= depth; d += kLanes) {
    vf xv[MR];
    for (int r = 0; r < MR; ++r) xv[r] = load<vf>(x + r * ldx + d);
    for (int k = 0; k < NR; ++k) {
      const vf wv = load<vf>(w + k * depth + d);
      for (int r = 0; r < MR; ++r) acc[r][k] += xv[r] * wv;
    }
  }
  for (int r = 0; r < MR; ++r) {
    for (int k = 0; k < NR; ++k) {
      float s = vec::hsum(acc[r][k]);
      for (int64_t e = d; e < depth; ++e) s += x[r * ldx + e] * w[k * depth + e];
      y[r * ldy + k] = s + (bias ? bias[k] : 0.0f);
    }
  }
}

template <int MR>
inline void dot_rows(const float* x, int64_t ldx, const float* w, int64_t depth, int64_t cols, float* y, int64_t ldy,
                     const float* bias) {
  int64_t k = 0;
  for (; k + kColsNR <= cols; k += kColsNR)
    dot_block<MR, kColsNR>(x, ldx, w + k * depth, depth, y + k, ldy, bias ? bias + k : nullptr);
  for (; k < cols; ++k) dot_block<MR, 1>(x, ldx, w + k * depth, depth, y + k, ldy, bias ? bias + k : nullptr);
}

void block_linear_tile(const BlockLinearArgs& a, int64_t n, int64_t r0, int64_t rn) {
  const int64_t bi = a.block_in, bo = a.block_out, ldx = a.blocks * bi, ldy = a.blocks * bo;
  const float* w = a.weight + n * bo * bi;
  const float* bias = a.bias ? a.bias + n * bo : nullptr;
  int64_t r = r0;
  for (; r + kRowsMR <= r0 + rn; r += kRowsMR) dot_rows<kRowsMR>(a.x + r * ldx + n * bi, ldx, w, bi, bo, a.y + r * ldy + n * bo, ldy, bias);
  for (; r < r0 + rn; ++r) dot_rows<1>(a.x + r * ldx + n * bi, ldx, w, bi, bo, a.y + r * ldy + n * bo, ldy, bias);
}

}  // namespace

const HawkMicroKernels hawk_micro = {rglru_block, block_linear_tile};

}  // namespace HASHMAC_TARGET
}  // namespace hashmac
