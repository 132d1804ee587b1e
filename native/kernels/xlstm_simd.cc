// xLSTM micro-kernels, compiled once per ISA (see simd_target.h): the mLSTM's decayed outer-product
// state update (decay_outer.h), the register-tiled sLSTM gate dot products, and the sLSTM cells
// (vectorised exp/log1p/tanh on AVX2 and AVX-512, the C library's in portable C++).
#include "simd_target.h"
#include "xlstm_isa.h"
#include "decay_outer.h"

#include <algorithm>
#include <cmath>

namespace hashmac {
namespace HASHMAC_TARGET {
namespace {

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

// The cells of `count` consecutive entries, kLanes at a time (see slstm_cells in xlstm_isa.h).
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

extern const XlstmMicroKernels xlstm_micro = {decay_outer_readout, gate_dots, kGateRows, slstm_cells};

}  // namespace HASHMAC_TARGET
}  // namespace hashmac
