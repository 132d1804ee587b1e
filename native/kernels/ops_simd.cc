// Micro-kernels of the ops family, compiled once per ISA (see simd_target.h). The drivers in ops.cc
// pack weights, block the depth and split work over threads; these functions do the arithmetic.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
// GCC 12's AVX-512 headers start many intrinsics from _mm512_undefined_*(), which -Wall reports as
// "may be used uninitialized" once inlined (GCC bug 105593, fixed in GCC 13).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include "simd_target.h"
#include "ops_isa.h"
#include "panel_fma.h"

#include <cmath>
#include <type_traits>

namespace hashmac {
namespace HASHMAC_TARGET {
namespace {

// ---- GEMM on a packed panel: the micro-kernel shared with LSH, with a float epilogue.
void gemm_panel(const float* x, int64_t ldx, int64_t rows, const float* panel, int64_t depth, const float* add,
                int64_t ld_add, float* y, int64_t ldy, int cols) {
  panel_rows(x, ldx, rows, panel, depth, [=](int64_t r, const PanelRow& acc) {
    store_row(acc, add ? add + r * ld_add : nullptr, y + r * ldy, cols);
  });
}

// ---- Dot products for few rows (matrix-vector and small batches): w is read in place, unpacked.
// dot_block<NR, MR> computes the MR x NR dot products of MR rows of x with NR rows of w.
#if HASHMAC_TARGET_ID == 2
constexpr int kDotRows = 4;  // rows of x per pass over w
template <int NR, int MR>
inline void dot_block(const float* x, int64_t ldx, const float* w, int64_t ldw, int64_t depth, float (&out)[MR][NR]) {
  __m512 acc[MR][NR];
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NR; ++j) acc[i][j] = _mm512_setzero_ps();
  auto step = [&](int64_t d, __mmask16 m) {
    __m512 wv[NR];
    for (int j = 0; j < NR; ++j) wv[j] = _mm512_maskz_loadu_ps(m, w + j * ldw + d);
    for (int i = 0; i < MR; ++i) {
      const __m512 xv = _mm512_maskz_loadu_ps(m, x + i * ldx + d);
      for (int j = 0; j < NR; ++j) acc[i][j] = _mm512_fmadd_ps(xv, wv[j], acc[i][j]);
    }
  };
  int64_t d = 0;
  for (; d + 16 <= depth; d += 16) step(d, 0xffff);
  if (d < depth) step(d, static_cast<__mmask16>((1u << (depth - d)) - 1));
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NR; ++j) out[i][j] = hsum(acc[i][j]);
}

#elif HASHMAC_TARGET_ID == 1
constexpr int kDotRows = 2;
template <int NR, int MR>
inline void dot_block(const float* x, int64_t ldx, const float* w, int64_t ldw, int64_t depth, float (&out)[MR][NR]) {
  static const int32_t kMaskTable[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
  __m256 acc[MR][NR];
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NR; ++j) acc[i][j] = _mm256_setzero_ps();
  int64_t d = 0;
  for (; d + 8 <= depth; d += 8) {
    __m256 wv[NR];
    for (int j = 0; j < NR; ++j) wv[j] = _mm256_loadu_ps(w + j * ldw + d);
    for (int i = 0; i < MR; ++i) {
      const __m256 xv = _mm256_loadu_ps(x + i * ldx + d);
      for (int j = 0; j < NR; ++j) acc[i][j] = _mm256_fmadd_ps(xv, wv[j], acc[i][j]);
    }
  }
  if (d < depth) {  // masked loads never touch memory past the row
    const __m256i m = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMaskTable + 8 - (depth - d)));
    __m256 wv[NR];
    for (int j = 0; j < NR; ++j) wv[j] = _mm256_maskload_ps(w + j * ldw + d, m);
    for (int i = 0; i < MR; ++i) {
      const __m256 xv = _mm256_maskload_ps(x + i * ldx + d, m);
      for (int j = 0; j < NR; ++j) acc[i][j] = _mm256_fmadd_ps(xv, wv[j], acc[i][j]);
    }
  }
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

// MR rows of x against all `cols` rows of w: NR rows of w at a time (more when MR is small, so there
// are always enough independent FMA chains), then the leftover rows one by one.
template <int MR>
void dot_group(const float* x, int64_t ldx, const float* w, int64_t ldw, int64_t cols, int64_t depth, const float* bias,
               float* y, int64_t ldy) {
  constexpr int NR = MR == 1 ? 8 : 4;
  auto block = [&](auto nr, int64_t n) {
    constexpr int R = decltype(nr)::value;
    float out[MR][R];
    dot_block<R, MR>(x, ldx, w + n * ldw, ldw, depth, out);
    for (int i = 0; i < MR; ++i)
      for (int j = 0; j < R; ++j) y[i * ldy + n + j] = out[i][j] + (bias ? bias[n + j] : 0.0f);
  };
  int64_t n = 0;
  for (; n + NR <= cols; n += NR) block(std::integral_constant<int, NR>{}, n);
  for (; n < cols; ++n) block(std::integral_constant<int, 1>{}, n);
}

void dot_rows(const float* x, int64_t ldx, int64_t rows, const float* w, int64_t ldw, int64_t cols, int64_t depth,
              const float* bias, float* y, int64_t ldy) {
  int64_t r = 0;
  for (; r + kDotRows <= rows; r += kDotRows) dot_group<kDotRows>(x + r * ldx, ldx, w, ldw, cols, depth, bias, y + r * ldy, ldy);
  for (; r < rows; ++r) dot_group<1>(x + r * ldx, ldx, w, ldw, cols, depth, bias, y + r * ldy, ldy);
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
// erfc(z) = t exp(-z^2 + P(t)), t = 1/(1 + z/2) (fractional error < 1.2e-7 for z >= 0).
constexpr float kErfcP[10] = {-1.26551223f, 1.00002368f, 0.37409196f, 0.09678418f, -0.18628806f,
                              0.27886807f, -1.13520398f, 1.48851587f, -0.82215223f, 0.17087277f};
constexpr float kInvSqrt2 = 0.70710678118654752f;
constexpr float kExpMin = -87.33654f;  // below: exp underflows float32 normals, return 0

#if HASHMAC_TARGET_ID == 2
using Vec = __m512;
constexpr int kLanes = 16;
inline Vec vload(const float* p, int64_t n) { return _mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << n) - 1), p); }
inline Vec vloadu(const float* p) { return _mm512_loadu_ps(p); }
inline void vstore(float* p, Vec v, int64_t n) { _mm512_mask_storeu_ps(p, static_cast<__mmask16>((1u << n) - 1), v); }
inline void vstoreu(float* p, Vec v) { _mm512_storeu_ps(p, v); }
inline Vec vset(float a) { return _mm512_set1_ps(a); }
inline Vec vadd(Vec a, Vec b) { return _mm512_add_ps(a, b); }
inline Vec vsub(Vec a, Vec b) { return _mm512_sub_ps(a, b); }
inline Vec vmul(Vec a, Vec b) { return _mm512_mul_ps(a, b); }
inline Vec vdiv(Vec a, Vec b) { return _mm512_div_ps(a, b); }
inline Vec vfma(Vec a, Vec b, Vec c) { return _mm512_fmadd_ps(a, b, c); }
inline Vec vmax(Vec a, Vec b) { return _mm512_max_ps(a, b); }
inline Vec vabs(Vec a) { return _mm512_abs_ps(a); }
inline Vec vround(Vec a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
inline Vec vpow2i(Vec n) {  // 2^n for integral n in [-126, 127]
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23));
}
// a where x >= 0 (or x is NaN), else b; and zero where x < limit.
inline Vec select_nonneg(Vec x, Vec a, Vec b) { return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ), a, b); }
inline Vec zero_below(Vec x, float limit, Vec v) { return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(x, vset(limit), _CMP_GE_OQ), v); }

#elif HASHMAC_TARGET_ID == 1
using Vec = __m256;
constexpr int kLanes = 8;
inline __m256i lane_mask(int64_t n) {
  static const int32_t table[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(table + 8 - n));
}
inline Vec vload(const float* p, int64_t n) { return _mm256_maskload_ps(p, lane_mask(n)); }
inline Vec vloadu(const float* p) { return _mm256_loadu_ps(p); }
inline void vstore(float* p, Vec v, int64_t n) { _mm256_maskstore_ps(p, lane_mask(n), v); }
inline void vstoreu(float* p, Vec v) { _mm256_storeu_ps(p, v); }
inline Vec vset(float a) { return _mm256_set1_ps(a); }
inline Vec vadd(Vec a, Vec b) { return _mm256_add_ps(a, b); }
inline Vec vsub(Vec a, Vec b) { return _mm256_sub_ps(a, b); }
inline Vec vmul(Vec a, Vec b) { return _mm256_mul_ps(a, b); }
inline Vec vdiv(Vec a, Vec b) { return _mm256_div_ps(a, b); }
inline Vec vfma(Vec a, Vec b, Vec c) { return _mm256_fmadd_ps(a, b, c); }
inline Vec vmax(Vec a, Vec b) { return _mm256_max_ps(a, b); }
inline Vec vabs(Vec a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }
inline Vec vround(Vec a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
inline Vec vpow2i(Vec n) {
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23));
}
inline Vec select_nonneg(Vec x, Vec a, Vec b) { return _mm256_blendv_ps(a, b, _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ)); }
inline Vec zero_below(Vec x, float limit, Vec v) { return _mm256_and_ps(_mm256_cmp_ps(x, vset(limit), _CMP_GE_OQ), v); }
#endif

#if HASHMAC_TARGET_ID > 0
// exp(x): x = n ln2 + r with |r| <= ln2/2 (ln2 split in two for an exact n ln2), exp(r) by its
// degree-7 Taylor polynomial (truncation < 1e-8 relative), times 2^n. Returns 0 below kExpMin;
// callers only pass x <= 1 (larger x would overflow the exponent field).
inline Vec vexp(Vec x) {
  const Vec xc = vmax(x, vset(kExpMin));
  const Vec n = vround(vmul(xc, vset(1.44269504088896341f)));
  Vec r = vfma(n, vset(-0.693359375f), xc);
  r = vfma(n, vset(2.12194440e-4f), r);
  Vec p = vset(1.0f / 5040);
  p = vfma(p, r, vset(1.0f / 720));
  p = vfma(p, r, vset(1.0f / 120));
  p = vfma(p, r, vset(1.0f / 24));
  p = vfma(p, r, vset(1.0f / 6));
  p = vfma(p, r, vset(0.5f));
  p = vfma(p, r, vset(1.0f));
  p = vfma(p, r, vset(1.0f));
  return zero_below(x, kExpMin, vmul(p, vpow2i(n)));
}

inline Vec vsilu(Vec x) {
  const Vec t = vexp(vsub(vset(0.0f), vabs(x)));
  const Vec s = vdiv(vset(1.0f), vadd(vset(1.0f), t));  // sigmoid(|x|)
  return vmul(x, select_nonneg(x, s, vmul(t, s)));
}

inline Vec vgelu(Vec x) {
  const Vec z = vmul(vabs(x), vset(kInvSqrt2));
  const Vec t = vdiv(vset(1.0f), vfma(z, vset(0.5f), vset(1.0f)));
  Vec p = vset(kErfcP[9]);
  for (int i = 8; i >= 0; --i) p = vfma(p, t, vset(kErfcP[i]));
  const Vec half_erfc = vmul(vset(0.5f), vmul(t, vexp(vsub(p, vmul(z, z)))));
  return vmul(x, select_nonneg(x, vsub(vset(1.0f), half_erfc), half_erfc));
}

inline Vec vrelu(Vec x) { return vmax(vset(0.0f), x); }  // max(0, NaN) is NaN: NaN propagates

template <Vec (*F)(Vec)>
void map(const float* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) vstoreu(y + i, F(vloadu(x + i)));
  if (i < n) vstore(y + i, F(vload(x + i, n - i)), n - i);
}

void activation(int f, const float* x, float* y, int64_t n) {
  if (f == 0) map<vsilu>(x, y, n);
  else if (f == 1) map<vgelu>(x, y, n);
  else map<vrelu>(x, y, n);
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
