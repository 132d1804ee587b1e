// Included first by every *_simd.cc file. The build compiles each such file once per ISA with
// -DHASHMAC_TARGET_ID=0|1|2 and matching -m flags; HASHMAC_TARGET names the namespace of that copy.
// Also the few helpers every SIMD kernel shares: unaligned loads and horizontal sums.
#pragma once
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
// GCC 12's AVX-512 headers start many intrinsics from _mm512_undefined_*(), which -Wall reports as
// "may be used uninitialized" once inlined (GCC bug 105593, fixed in GCC 13). Diagnostic pragmas hold
// to the end of the translation unit, so every *_simd.cc file gets this by including this header first.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <cstdint>
#include <cstring>

#ifndef HASHMAC_TARGET_ID
#error "compile *_simd.cc with -DHASHMAC_TARGET_ID=0 (scalar), 1 (avx2) or 2 (avx512)"
#endif
#if HASHMAC_TARGET_ID == 2
#define HASHMAC_TARGET avx512
#elif HASHMAC_TARGET_ID == 1
#define HASHMAC_TARGET avx2
#else
#define HASHMAC_TARGET scalar
#endif
#if HASHMAC_TARGET_ID > 0
#include <immintrin.h>
#endif

namespace hashmac {
// Unaligned-safe loads: packed codes may start at any byte offset of a JS ArrayBuffer.
static inline uint64_t load_u64(const void* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
}  // namespace hashmac

namespace hashmac {
namespace HASHMAC_TARGET {
// Sum of a vector's lanes by halving (16 -> 8 -> 4 lanes, then (v0 + v2) + (v1 + v3)): one summation
// order for every kernel and ISA (the order of _mm512_reduce_add_ps too). Written on GCC vector types,
// to which __m256 and __m512 convert, so no intrinsic header is involved (GCC 12's AVX-512 reductions
// trip -Wuninitialized in their own code). Per-ISA namespace: each copy keeps its own -m flags.
typedef float v4f __attribute__((vector_size(16)));
static inline float hsum(v4f v) { return (v[0] + v[2]) + (v[1] + v[3]); }
#if HASHMAC_TARGET_ID >= 1
typedef float v8f __attribute__((vector_size(32)));
static inline float hsum(v8f v) { return hsum(__builtin_shufflevector(v, v, 0, 1, 2, 3) + __builtin_shufflevector(v, v, 4, 5, 6, 7)); }
#endif
#if HASHMAC_TARGET_ID == 2
typedef float v16f __attribute__((vector_size(64)));
static inline float hsum(v16f v) {
  return hsum(__builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7) + __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15));
}
#endif
}  // namespace HASHMAC_TARGET
}  // namespace hashmac
