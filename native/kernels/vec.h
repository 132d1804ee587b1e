// Float vectors of the ISA being compiled (GCC vector extensions) and the few math functions the
// recurrent kernels need on them: exp, sigmoid, sqrt, horizontal sum (simd_target.h's). Included by
// *_simd.cc after simd_target.h; everything lives in the per-ISA namespace, so the three copies never
// mix at link time.
#pragma once
#include <cmath>
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

// Loops are written once as templates over V = vf (the body) or V = float (the tail).
template <class V> constexpr int lanes_of = sizeof(V) / sizeof(float);
template <class V> inline V splat(float s) { return V{} + s; }

// JS buffers are only 4-byte aligned: every load and store is unaligned.
template <class V> inline V load(const float* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <class V> inline void store(float* p, V v) { std::memcpy(p, &v, sizeof v); }
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

// The float bits of integer lanes n << 23 + 127 << 23, i.e. 2^n for integral n in [-126, 127].
inline vf pow2(vf n) { return (vf)((__builtin_convertvector(n, vi) + 127) << 23); }  // a vector cast reinterprets
inline float pow2(float n) {
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

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

// Written per lane: GCC turns this into one vsqrtps (and the intrinsics' headers warn under -Wall).
inline vf sqrt(vf x) {
  for (int i = 0; i < kLanes; ++i) x[i] = std::sqrt(x[i]);
  return x;
}
inline float sqrt(float x) { return std::sqrt(x); }

// Sum of the lanes (simd_target.h), and of a tail's single lane.
using HASHMAC_TARGET::hsum;
inline float hsum(float v) { return v; }

}  // namespace vec
}  // namespace HASHMAC_TARGET
}  // namespace hashmac
