// The SIMD vocabulary of the float kernels (mamba2, hawk, retnet, xlstm, ops): one vector type of the ISA
// being compiled (GCC vector extensions, so + - * / and comparisons are plain operators) and one set of
// load/store/fma/exp helpers on it. Included by *_simd.cc after simd_target.h; everything lives in the
// per-ISA namespace, so the three copies never mix at link time.
//
// Vector code is written once: an operator or helper here maps to the same instruction on every ISA
// that has it (an intrinsic where GCC's operators would not pin it down), and to plain per-lane code in
// the portable build.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#if defined(__SSE2__)
#include <immintrin.h>
#endif

namespace hashmac {
namespace HASHMAC_TARGET {
namespace vec {

#if HASHMAC_TARGET_ID == 2
constexpr int kLanes = 16;
#elif HASHMAC_TARGET_ID == 1
constexpr int kLanes = 8;
#else
constexpr int kLanes = 4;  // SSE2 on x86-64; plain code elsewhere
#endif

typedef float vf __attribute__((vector_size(kLanes * 4)));
typedef int32_t vi __attribute__((vector_size(kLanes * 4)));

// Full unrolling of a loop over a small fixed-size array of vectors, so that GCC keeps the array in
// registers (a partly unrolled loop leaves it on the stack).
#define HASHMAC_UNROLL _Pragma("GCC unroll 16")

// ---- Construction, loads and stores ----------------------------------------------------------------

// Loops are written once as templates over V = vf (the body) or V = float (the tail).
template <class V> constexpr int lanes_of = sizeof(V) / sizeof(float);
// s in every lane, exactly (a -0 stays -0): one broadcast instruction.
template <class V> inline V splat(float s) {
  if constexpr (lanes_of<V> == 1) {
    return s;
  } else {
#if HASHMAC_TARGET_ID == 2
    return (V)_mm512_set1_ps(s);
#elif HASHMAC_TARGET_ID == 1
    return (V)_mm256_set1_ps(s);
#elif defined(__SSE2__)
    return (V)_mm_set1_ps(s);
#else
    V v{};
    for (int i = 0; i < lanes_of<V>; ++i) v[i] = s;
    return v;
#endif
  }
}

// JS buffers are only 4-byte aligned: every load and store is unaligned.
template <class V> inline V load(const float* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <class V> inline void store(float* p, V v) { std::memcpy(p, &v, sizeof v); }

// Lanes [0, n) from p and zeros above (n <= kLanes); nothing past p + n is read, so a row's last
// partial vector needs no padding.
inline vf load_n(const float* p, int n) {
#if HASHMAC_TARGET_ID == 2
  return (vf)_mm512_maskz_loadu_ps(n >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << n) - 1), p);
#elif HASHMAC_TARGET_ID == 1
  if (n >= 8) return load<vf>(p);
  return (vf)_mm256_maskload_ps(p, _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));
#else
  vf v = splat<vf>(0.0f);
  if (n >= kLanes) return load<vf>(p);
  for (int i = 0; i < n; ++i) v[i] = p[i];
  return v;
#endif
}

// Lanes [0, n) of v to p ... p + n (n <= kLanes).
inline void store_n(float* p, vf v, int n) {
#if HASHMAC_TARGET_ID == 2
  _mm512_mask_storeu_ps(p, n >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << n) - 1), (__m512)v);
#elif HASHMAC_TARGET_ID == 1
  if (n >= 8) return store<vf>(p, v);
  _mm256_maskstore_ps(p, _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)), (__m256)v);
#else
  if (n >= kLanes) return store<vf>(p, v);
  for (int i = 0; i < n; ++i) p[i] = v[i];
#endif
}

// Lanes [lo, hi) of v only, to p + lo ... p + hi.
inline void store_lanes(float* p, vf v, int lo, int hi) {
  std::memcpy(p + lo, reinterpret_cast<const float*>(&v) + lo, sizeof(float) * static_cast<size_t>(hi - lo));
}

// A non-temporal store of a full vector to a vector-aligned p: the line is written without first being
// read for ownership and without displacing cached data. For outputs too large to stay cached anyway;
// the task ends with stream_fence() so that other threads see the stores.
inline void stream(float* p, vf v) {
#if HASHMAC_TARGET_ID == 2
  _mm512_stream_ps(p, (__m512)v);
#elif HASHMAC_TARGET_ID == 1
  _mm256_stream_ps(p, (__m256)v);
#elif defined(__SSE2__)
  _mm_stream_ps(p, (__m128)v);
#else
  store<vf>(p, v);
#endif
}
inline void stream_fence() {
#if defined(__SSE2__)
  _mm_sfence();
#endif
}
// True when p can take stream(): aligned to a full vector.
inline bool vector_aligned(const float* p) { return reinterpret_cast<uintptr_t>(p) % sizeof(vf) == 0; }

// ---- Arithmetic beyond the operators ----------------------------------------------------------------

// a*b + c, fused (one rounding) where the ISA has FMA (AVX2, AVX-512); the portable build assumes no FMA
// unit and rounds the product and the sum separately.
inline vf fma(vf a, vf b, vf c) {
#if HASHMAC_TARGET_ID == 2
  return (vf)_mm512_fmadd_ps((__m512)a, (__m512)b, (__m512)c);
#elif HASHMAC_TARGET_ID == 1
  return (vf)_mm256_fmadd_ps((__m256)a, (__m256)b, (__m256)c);
#else
  return a * b + c;
#endif
}

// x86's min/max: b where either is NaN (or both are zeros), so a NaN in `a` is replaced by `b`.
inline vf min(vf a, vf b) {
#if HASHMAC_TARGET_ID == 2
  return (vf)_mm512_maskz_min_ps(0xffff, (__m512)a, (__m512)b);  // maskz form: GCC 12's plain one trips -Wuninitialized
#elif HASHMAC_TARGET_ID == 1
  return (vf)_mm256_min_ps((__m256)a, (__m256)b);
#else
  return a < b ? a : b;
#endif
}
inline vf max(vf a, vf b) {
#if HASHMAC_TARGET_ID == 2
  return (vf)_mm512_maskz_max_ps(0xffff, (__m512)a, (__m512)b);
#elif HASHMAC_TARGET_ID == 1
  return (vf)_mm256_max_ps((__m256)a, (__m256)b);
#else
  return a > b ? a : b;
#endif
}

inline vf abs(vf a) { return (vf)((vi)a & 0x7fffffff); }  // a vector cast reinterprets the bits

// To the nearest integer, ties to even (the default rounding mode).
inline vf round(vf a) {
#if HASHMAC_TARGET_ID == 2
  return (vf)_mm512_maskz_roundscale_ps(0xffff, (__m512)a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
#elif HASHMAC_TARGET_ID == 1
  return (vf)_mm256_round_ps((__m256)a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
#else
  for (int i = 0; i < kLanes; ++i) a[i] = std::nearbyint(a[i]);
  return a;
#endif
}

// The float bits of integer lanes n << 23 + 127 << 23, i.e. 2^n for integral n in [-126, 127].
inline vf pow2(vf n) { return (vf)((__builtin_convertvector(n, vi) + 127) << 23); }
inline float pow2(float n) {
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

// Written per lane: GCC turns this into one vsqrtps (and the intrinsics' headers warn under -Wall).
inline vf sqrt(vf x) {
  for (int i = 0; i < kLanes; ++i) x[i] = std::sqrt(x[i]);
  return x;
}
inline float sqrt(float x) { return std::sqrt(x); }

// Sum of the lanes (simd_target.h's order), and of a tail's single lane.
using HASHMAC_TARGET::hsum;
inline float hsum(float v) { return v; }

// ---- exp ----------------------------------------------------------------------------------------------
// Three exp approximations, each pinned by the kernels that use it: changing one changes those kernels'
// results in the last bits. They differ in what their callers need:
//   exp / exp_in_range  mamba2, hawk: no FMA, so the vector and the float (tail) versions give the same
//                       bits and a value's result never depends on its lane; clamps to [-87, 88].
//   exp_flush           ops (SiLU, GELU): inputs <= 1 only; results below float32's normal range are 0.
//   exp_full            xlstm (sLSTM cells): every input, subnormal results rounded correctly,
//                       exp(-inf) = 0, exp(inf) = inf, NaN stays NaN (fresh states carry m = -inf).

// exp in float32, about 1 ulp: x = n ln2 + r with |r| <= ln2/2, exp(r) by its Taylor series to r^7
// (truncation error < 6e-9), times 2^n built in the exponent bits. x must lie in [-87, 88], which keeps
// 2^n a normal number; `exp` below clamps to that range (tiny results come out near 1e-38, not 0).
// Written once for vectors and single floats (tails), so a value's result never depends on its lane or
// on where a loop's vector boundaries fall (the same operations, each correctly rounded).
template <class V>
inline V exp_in_range(V x) {
  const V round = splat<V>(12582912.0f);  // 1.5 * 2^23: adding and subtracting it rounds to an integer
  const V n = (x * splat<V>(1.44269504f) + round) - round;
  V r = x - n * splat<V>(0.693145752f);   // ln2 split in a part exact in float and the rest
  r = r - n * splat<V>(1.42860677e-6f);
  V p = splat<V>(1.0f / 5040);
  p = p * r + splat<V>(1.0f / 720);
  p = p * r + splat<V>(1.0f / 120);
  p = p * r + splat<V>(1.0f / 24);
  p = p * r + splat<V>(1.0f / 6);
  p = p * r + splat<V>(0.5f);
  p = p * r + splat<V>(1.0f);
  p = p * r + splat<V>(1.0f);
  return p * pow2(n);
}
template <class V>
inline V exp(V x) {
  x = x > splat<V>(88.0f) ? splat<V>(88.0f) : x;
  return exp_in_range(x < splat<V>(-87.0f) ? splat<V>(-87.0f) : x);
}

template <class V> inline V sigmoid(V x) { return 1.0f / (1.0f + exp(-x)); }

// exp(x) for x <= 1: the same reduction and degree-7 Taylor polynomial as exp_in_range, evaluated with
// FMAs (ln2 split for an exact n ln2), times 2^n; 0 where x < kFlushBelow (exp underflows the normals).
constexpr float kFlushBelow = -87.33654f;
inline vf exp_flush(vf x) {
  const vf xc = max(x, splat<vf>(kFlushBelow));
  const vf n = round(xc * splat<vf>(1.44269504088896341f));
  vf r = fma(n, splat<vf>(-0.693359375f), xc);
  r = fma(n, splat<vf>(2.12194440e-4f), r);
  vf p = splat<vf>(1.0f / 5040);
  p = fma(p, r, splat<vf>(1.0f / 720));
  p = fma(p, r, splat<vf>(1.0f / 120));
  p = fma(p, r, splat<vf>(1.0f / 24));
  p = fma(p, r, splat<vf>(1.0f / 6));
  p = fma(p, r, splat<vf>(0.5f));
  p = fma(p, r, splat<vf>(1.0f));
  p = fma(p, r, splat<vf>(1.0f));
  return x >= splat<vf>(kFlushBelow) ? p * pow2(n) : splat<vf>(0.0f);
}

// exp(x) in float32 to about an ulp for every x: x = n*ln2 + r with |r| <= ln2/2 (ln2 split in two for an
// exact reduction), e^r by Cephes' expf polynomial, and 2^n applied in two halves so that subnormal
// results round correctly. exp(-inf) = 0, exp(+inf) = inf, NaN stays NaN.
inline vf exp_full(vf x) {
  const vf xc = min(max(x, splat<vf>(-104.0f)), splat<vf>(89.0f));
  const vf n = round(xc * splat<vf>(1.44269504088896341f));
  vf r = fma(n, splat<vf>(-0.693359375f), xc);
  r = fma(n, splat<vf>(2.12194440e-4f), r);
  vf p = splat<vf>(1.9875691500e-4f);
  p = fma(p, r, splat<vf>(1.3981999507e-3f));
  p = fma(p, r, splat<vf>(8.3334519073e-3f));
  p = fma(p, r, splat<vf>(4.1665795894e-2f));
  p = fma(p, r, splat<vf>(1.6666665459e-1f));
  p = fma(p, r, splat<vf>(5.0000001201e-1f));
  p = fma(p * r, r, r + splat<vf>(1.0f));
  const vf half = round(n * splat<vf>(0.5f));
  vf y = (p * pow2(half)) * pow2(n - half);
  y = x < splat<vf>(-104.0f) ? splat<vf>(0.0f) : y;
  return x != x ? x : y;
}

}  // namespace vec
}  // namespace HASHMAC_TARGET
}  // namespace hashmac
