// Micro-kernels of the ops family, compiled once per ISA (see simd_target.h). The drivers in ops.cc
// pack weights, block the depth and split work over threads; these functions do the arithmetic.
#include "simd_target.h"
#include "dot_rows.h"
#include "ops_isa.h"
#include "panel_fma.h"
#include "vec.h"

#include <cmath>

namespace hashmac {
namespace HASHMAC_TARGET {
namespace {

using vec::fma;
using vec::hsum;
using vec::kLanes;
using vec::load_n;
using vec::splat;
using vec::vf;

// ---- GEMM on a packed panel: the micro-kernel shared with LSH, with a float epilogue.
void gemm_panel(const float* x, int64_t ldx, int64_t rows, const float* panel, int64_t depth, const float* add,
                int64_t ld_add, float* y, int64_t ldy, int cols) {
  panel_rows(x, ldx, rows, panel, depth, [=](int64_t r, const PanelRow& acc) {
    store_row(acc, add ? add + r * ld_add : nullptr, y + r * ldy, cols);
  });
}

// ---- Dot products for few rows (matrix-vector and small batches): w is read in place, unpacked.
// dot_block<NR, MR> computes the MR x NR dot products of MR rows of x with NR rows of w.
#if HASHMAC_TARGET_ID > 0
constexpr int kDotRows = HASHMAC_TARGET_ID == 2 ? 4 : 2;  // rows of x per pass over w
template <int NR, int MR>
inline void dot_block(const float* x, int64_t ldx, const float* w, int64_t ldw, int64_t depth, float (&out)[MR][NR]) {
  vf acc[MR][NR];
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NR; ++j) acc[i][j] = splat<vf>(0.0f);
  auto step = [&](int64_t d, int n) {  // n < kLanes: partial loads never touch memory past the row
    vf wv[NR];
    for (int j = 0; j < NR; ++j) wv[j] = load_n(w + j * ldw + d, n);
    for (int i = 0; i < MR; ++i) {
      const vf xv = load_n(x + i * ldx + d, n);
      for (int j = 0; j < NR; ++j) acc[i][j] = fma(xv, wv[j], acc[i][j]);
    }
  };
  int64_t d = 0;
  for (; d + kLanes <= depth; d += kLanes) step(d, kLanes);
  if (d < depth) step(d, static_cast<int>(depth - d));
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NR; ++j) out[i][j] = hsum(acc[i][j]);
}

#else
constexpr int kDotRows = 1;
// 8 independent partial sums per dot product (vectorizable without reassociating a single sum).
template <int NR, int MR>
inline void dot_block(const float* x, int64_t ldx, const float* w, int64_t ldw, int64_t depth, float (&out)[MR][NR]) {
  for (int i = 0; i < MR; ++i) {
    for (int j = 0; j < NR; ++j) {
      const float* xr = x + i * ldx;
      const float* wr = w + j * ldw;
      float part[8] = {};
      int64_t d = 0;
      for (; d + 8 <= depth; d += 8)
        for (int l = 0; l < 8; ++l) part[l] += xr[d + l] * wr[d + l];
      for (int l = 0; d < depth; ++d, ++l) part[l] += xr[d] * wr[d];
      out[i][j] = ((part[0] + part[4]) + (part[1] + part[5])) + ((part[2] + part[6]) + (part[3] + part[7]));
    }
  }
}
#endif

struct FloatDots {  // the arithmetic of dot_rows.h's loops
  template <int NR, int MR>
  static void block(const float* x, int64_t ldx, const float* w, int64_t ldw, int64_t depth, float (&out)[MR][NR]) {
    dot_block<NR, MR>(x, ldx, w, ldw, depth, out);
  }
};

void dot_rows(const float* x, int64_t ldx, int64_t rows, const float* w, int64_t ldw, int64_t cols, int64_t depth,
              const float* bias, float* y, int64_t ldy) {
  dot_rows_by<FloatDots, kDotRows>(x, ldx, rows, w, ldw, cols, depth, bias, y, ldy);
}

// ---- Normalisation of one run. Sums use 16 independent float32 partial sums: the compiler vectorizes
// these loops for each ISA, and they are more accurate than one running sum. The variance is a second
// pass over (x - mean), which avoids the cancellation of E[x^2] - mean^2.
inline float sum16(const float (&part)[16]) {
  float p[16];
  for (int l = 0; l < 16; ++l) p[l] = part[l];
  for (int w = 8; w >= 1; w /= 2)
    for (int l = 0; l < w; ++l) p[l] += p[l + w];
  return p[0];
}

float sum_run(const float* x, int64_t n) {
  float part[16] = {};
  int64_t d = 0;
  for (; d + 16 <= n; d += 16)
    for (int l = 0; l < 16; ++l) part[l] += x[d + l];
  for (int l = 0; d < n; ++d, ++l) part[l] += x[d];
  return sum16(part);
}

float squares_run(const float* x, int64_t n, float mean) {
  float part[16] = {};
  int64_t d = 0;
  for (; d + 16 <= n; d += 16)
    for (int l = 0; l < 16; ++l) {
      const float v = x[d + l] - mean;
      part[l] += v * v;
    }
  for (int l = 0; d < n; ++d, ++l) {
    const float v = x[d] - mean;
    part[l] += v * v;
  }
  return sum16(part);
}

void norm_run(const float* x, int64_t n, float eps, bool center, const float* weight, const float* bias, float* y) {
  const float inv_n = 1.0f / static_cast<float>(n);
  const float mean = center ? sum_run(x, n) * inv_n : 0.0f;
  const float scale = 1.0f / std::sqrt(squares_run(x, n, mean) * inv_n + eps);
  // Four loops rather than per-element branches, so each one vectorizes cleanly.
  if (weight && bias) {
    for (int64_t d = 0; d < n; ++d) y[d] = (x[d] - mean) * scale * weight[d] + bias[d];
  } else if (weight) {
    for (int64_t d = 0; d < n; ++d) y[d] = (x[d] - mean) * scale * weight[d];
  } else if (bias) {
    for (int64_t d = 0; d < n; ++d) y[d] = (x[d] - mean) * scale + bias[d];
  } else {
    for (int64_t d = 0; d < n; ++d) y[d] = (x[d] - mean) * scale;
  }
}

// ---- Activations. SiLU is x * sigmoid(x) with sigmoid written through t = exp(-|x|) <= 1, which
// cannot overflow. GELU uses erfc(|x|/sqrt 2) so that both tails keep their relative accuracy:
// gelu(x) = x * (1 - erfc/2) for x >= 0 and x * erfc/2 for x < 0. The SIMD erfc is the Chebyshev fit
// erfc(z) = t exp(-z^2 + P(t)), t = 1/(1 + z/2) (fractional error < 1.2e-7 for z >= 0), with
// vec::exp_flush for the exp.
constexpr float kErfcP[10] = {-1.26551223f, 1.00002368f, 0.37409196f, 0.09678418f, -0.18628806f,
                              0.27886807f, -1.13520398f, 1.48851587f, -0.82215223f, 0.17087277f};
constexpr float kInvSqrt2 = 0.70710678118654752f;

#if HASHMAC_TARGET_ID > 0
// x where x >= 0 (or is NaN), else y: the two halves of SiLU and GELU.
inline vf where_nonneg(vf x, vf a, vf b) { return x < splat<vf>(0.0f) ? b : a; }

inline vf silu(vf x) {
  const vf t = vec::exp_flush(splat<vf>(0.0f) - vec::abs(x));
  const vf s = splat<vf>(1.0f) / (splat<vf>(1.0f) + t);  // sigmoid(|x|)
  return x * where_nonneg(x, s, t * s);
}

inline vf gelu(vf x) {
  const vf z = vec::abs(x) * splat<vf>(kInvSqrt2);
  const vf t = splat<vf>(1.0f) / fma(z, splat<vf>(0.5f), splat<vf>(1.0f));
  vf p = splat<vf>(kErfcP[9]);
  for (int i = 8; i >= 0; --i) p = fma(p, t, splat<vf>(kErfcP[i]));
  const vf half_erfc = splat<vf>(0.5f) * (t * vec::exp_flush(p - z * z));
  return x * where_nonneg(x, splat<vf>(1.0f) - half_erfc, half_erfc);
}

inline vf relu(vf x) { return vec::max(splat<vf>(0.0f), x); }  // max(0, NaN) is NaN: NaN propagates

template <vf (*F)(vf)>
void map(const float* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) vec::store<vf>(y + i, F(vec::load<vf>(x + i)));
  if (i < n) vec::store_n(y + i, F(load_n(x + i, static_cast<int>(n - i))), static_cast<int>(n - i));
}

void activation(int f, const float* x, float* y, int64_t n) {
  if (f == 0) map<silu>(x, y, n);
  else if (f == 1) map<gelu>(x, y, n);
  else map<relu>(x, y, n);
}

#else
// Scalar: the float overloads of <cmath> (float32 throughout, same formulas).
inline float silu1(float x) {
  const float t = std::exp(-std::fabs(x));
  const float s = 1.0f / (1.0f + t);
  return x * (x < 0.0f ? t * s : s);
}
inline float gelu1(float x) {
  const float half_erfc = 0.5f * std::erfc(std::fabs(x) * kInvSqrt2);
  return x * (x < 0.0f ? half_erfc : 1.0f - half_erfc);
}
inline float relu1(float x) { return x > 0.0f || x != x ? x : 0.0f; }

void activation(int f, const float* x, float* y, int64_t n) {
  if (f == 0) for (int64_t i = 0; i < n; ++i) y[i] = silu1(x[i]);
  else if (f == 1) for (int64_t i = 0; i < n; ++i) y[i] = gelu1(x[i]);
  else for (int64_t i = 0; i < n; ++i) y[i] = relu1(x[i]);
}
#endif

}  // namespace

const OpsMicroKernels ops_micro = {gemm_panel, dot_rows, norm_run, activation};

}  // namespace HASHMAC_TARGET
}  // namespace hashmac
