// Included first by every *_simd.cc file. The build compiles each such file once per ISA with
// -DHASHMAC_TARGET_ID=0|1|2 and matching -m flags; HASHMAC_TARGET names the namespace of that copy.
#pragma once
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
