// Micro-kernels of the noisy sign projection, compiled once per ISA (see simd_target.h). Vectors run
// across the 32 columns of a panel, so each lane does exactly the scalar sequence: products are kept
// out of FMAs (HASHMAC_NO_FUSE) and the sum runs over d in order; results are identical on every ISA.
#include "simd_target.h"
#include "noisy_isa.h"
#include "noisy_rng.h"

namespace hashmac {
namespace HASHMAC_TARGET {
namespace {

#if HASHMAC_TARGET_ID == 2
// GCC 12 flags the deliberately undefined upper operand inside its own _mm512_slli_epi32 (a false
// positive of -Wuninitialized in avx512fintrin.h).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#undef HASHMAC_NO_FUSE
#define HASHMAC_NO_FUSE(v) __asm__("" : "+v"(v))

template <int MR>
inline void dot_block(const float* q, int64_t ldq, const float* panel, int64_t depth, float* z) {
  __m512 lo[MR], hi[MR];
  for (int i = 0; i < MR; ++i) lo[i] = hi[i] = _mm512_setzero_ps();
  for (int64_t d = 0; d < depth; ++d) {
    const __m512 p0 = _mm512_loadu_ps(panel + d * kNoisyPanel);
    const __m512 p1 = _mm512_loadu_ps(panel + d * kNoisyPanel + 16);
    for (int i = 0; i < MR; ++i) {
      const __m512 qi = _mm512_set1_ps(q[i * ldq + d]);
      __m512 a = _mm512_mul_ps(qi, p0), b = _mm512_mul_ps(qi, p1);
      HASHMAC_NO_FUSE(a);
      HASHMAC_NO_FUSE(b);
      lo[i] = _mm512_add_ps(lo[i], a);
      hi[i] = _mm512_add_ps(hi[i], b);
    }
  }
  for (int i = 0; i < MR; ++i) {
    _mm512_storeu_ps(z + i * kNoisyPanel, lo[i]);
    _mm512_storeu_ps(z + i * kNoisyPanel + 16, hi[i]);
  }
}
constexpr int kRows = 6;

inline __m512i mix32v(__m512i x) {
  x = _mm512_xor_si512(x, _mm512_srli_epi32(x, 16));
  x = _mm512_mullo_epi32(x, _mm512_set1_epi32(0x7feb352d));
  x = _mm512_xor_si512(x, _mm512_srli_epi32(x, 15));
  x = _mm512_mullo_epi32(x, _mm512_set1_epi32(static_cast<int>(0x846ca68bu)));
  return _mm512_xor_si512(x, _mm512_srli_epi32(x, 16));
}

void noise_panel(uint32_t row_key, uint32_t col0, float scale, float* noise) {
  const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512i mask = _mm512_set1_epi32(0xffff);
  for (int h = 0; h < 2; ++h) {
    const __m512i col4 = _mm512_slli_epi32(_mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(col0 + 16 * h)), lane), 2);
    __m512i s = _mm512_setzero_si512();
    for (uint32_t t = 0; t < 4; ++t) {
      const __m512i ctr = _mm512_mullo_epi32(_mm512_add_epi32(col4, _mm512_set1_epi32(static_cast<int>(t))),
                                             _mm512_set1_epi32(static_cast<int>(0x9e3779b9u)));
      const __m512i w = mix32v(_mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(row_key)), ctr));
      s = _mm512_add_epi32(s, _mm512_add_epi32(_mm512_and_si512(w, mask), _mm512_srli_epi32(w, 16)));
    }
    const __m512i g = _mm512_sub_epi32(_mm512_slli_epi32(s, 1), _mm512_set1_epi32(8 * 65535));
    _mm512_storeu_ps(noise + 16 * h, _mm512_mul_ps(_mm512_cvtepi32_ps(g), _mm512_set1_ps(scale)));
  }
}

uint32_t compare_panel(const float* z, float inv_l, const float* noise, const float* offsets) {
  uint32_t bits = 0;
  for (int h = 0; h < 2; ++h) {
    __m512 v = _mm512_mul_ps(_mm512_loadu_ps(z + 16 * h), _mm512_set1_ps(inv_l));
    HASHMAC_NO_FUSE(v);
    v = _mm512_add_ps(_mm512_add_ps(v, _mm512_loadu_ps(noise + 16 * h)), _mm512_loadu_ps(offsets + 16 * h));
    bits |= static_cast<uint32_t>(_mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_GT_OQ)) << (16 * h);
  }
  return bits;
}

#elif HASHMAC_TARGET_ID == 1
template <int MR>
inline void dot_block(const float* q, int64_t ldq, const float* panel, int64_t depth, float* z) {
  __m256 acc[MR][4];
  for (int i = 0; i < MR; ++i)
    for (int c = 0; c < 4; ++c) acc[i][c] = _mm256_setzero_ps();
  for (int64_t d = 0; d < depth; ++d) {
    __m256 p[4];
    for (int c = 0; c < 4; ++c) p[c] = _mm256_loadu_ps(panel + d * kNoisyPanel + 8 * c);
    for (int i = 0; i < MR; ++i) {
      const __m256 qi = _mm256_broadcast_ss(q + i * ldq + d);
      for (int c = 0; c < 4; ++c) {
        __m256 prod = _mm256_mul_ps(qi, p[c]);
        HASHMAC_NO_FUSE(prod);
        acc[i][c] = _mm256_add_ps(acc[i][c], prod);
      }
    }
  }
  for (int i = 0; i < MR; ++i)
    for (int c = 0; c < 4; ++c) _mm256_storeu_ps(z + i * kNoisyPanel + 8 * c, acc[i][c]);
}
constexpr int kRows = 2;

inline __m256i mix32v(__m256i x) {
  x = _mm256_xor_si256(x, _mm256_srli_epi32(x, 16));
  x = _mm256_mullo_epi32(x, _mm256_set1_epi32(0x7feb352d));
  x = _mm256_xor_si256(x, _mm256_srli_epi32(x, 15));
  x = _mm256_mullo_epi32(x, _mm256_set1_epi32(static_cast<int>(0x846ca68bu)));
  return _mm256_xor_si256(x, _mm256_srli_epi32(x, 16));
}

void noise_panel(uint32_t row_key, uint32_t col0, float scale, float* noise) {
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i mask = _mm256_set1_epi32(0xffff);
  for (int h = 0; h < 4; ++h) {
    const __m256i col4 = _mm256_slli_epi32(_mm256_add_epi32(_mm256_set1_epi32(static_cast<int>(col0 + 8 * h)), lane), 2);
    __m256i s = _mm256_setzero_si256();
    for (uint32_t t = 0; t < 4; ++t) {
      const __m256i ctr = _mm256_mullo_epi32(_mm256_add_epi32(col4, _mm256_set1_epi32(static_cast<int>(t))),
                                             _mm256_set1_epi32(static_cast<int>(0x9e3779b9u)));
      const __m256i w = mix32v(_mm256_add_epi32(_mm256_set1_epi32(static_cast<int>(row_key)), ctr));
      s = _mm256_add_epi32(s, _mm256_add_epi32(_mm256_and_si256(w, mask), _mm256_srli_epi32(w, 16)));
    }
    const __m256i g = _mm256_sub_epi32(_mm256_slli_epi32(s, 1), _mm256_set1_epi32(8 * 65535));
    _mm256_storeu_ps(noise + 8 * h, _mm256_mul_ps(_mm256_cvtepi32_ps(g), _mm256_set1_ps(scale)));
  }
}

uint32_t compare_panel(const float* z, float inv_l, const float* noise, const float* offsets) {
  uint32_t bits = 0;
  for (int h = 0; h < 4; ++h) {
    __m256 v = _mm256_mul_ps(_mm256_loadu_ps(z + 8 * h), _mm256_set1_ps(inv_l));
    HASHMAC_NO_FUSE(v);
    v = _mm256_add_ps(_mm256_add_ps(v, _mm256_loadu_ps(noise + 8 * h)), _mm256_loadu_ps(offsets + 8 * h));
    bits |= static_cast<uint32_t>(_mm256_movemask_ps(_mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_GT_OQ))) << (8 * h);
  }
  return bits;
}

#else
// ---- Portable scalar code.
template <int MR>
inline void dot_block(const float* q, int64_t ldq, const float* panel, int64_t depth, float* z) {
  float acc[MR][kNoisyPanel] = {};
  for (int64_t d = 0; d < depth; ++d) {
    for (int i = 0; i < MR; ++i) {
      const float qi = q[i * ldq + d];
      for (int c = 0; c < kNoisyPanel; ++c) {
        float prod = qi * panel[d * kNoisyPanel + c];
        HASHMAC_NO_FUSE(prod);
        acc[i][c] += prod;
      }
    }
  }
  for (int i = 0; i < MR; ++i)
    for (int c = 0; c < kNoisyPanel; ++c) z[i * kNoisyPanel + c] = acc[i][c];
}
constexpr int kRows = 1;

void noise_panel(uint32_t row_key, uint32_t col0, float scale, float* noise) {
  for (uint32_t c = 0; c < kNoisyPanel; ++c) noise[c] = static_cast<float>(gauss_int(row_key, col0 + c)) * scale;
}

uint32_t compare_panel(const float* z, float inv_l, const float* noise, const float* offsets) {
  uint32_t bits = 0;
  for (int c = 0; c < kNoisyPanel; ++c) {
    float v = z[c] * inv_l;
    HASHMAC_NO_FUSE(v);
    v = v + noise[c];
    v = v + offsets[c];
    if (v > 0.0f) bits |= 1u << c;
  }
  return bits;
}
#endif

void dot_panel(const float* q, int64_t ldq, int64_t rows, const float* panel, int64_t depth, float* z) {
  int64_t r = 0;
  for (; r + kRows <= rows; r += kRows) dot_block<kRows>(q + r * ldq, ldq, panel, depth, z + r * kNoisyPanel);
  for (; r < rows; ++r) dot_block<1>(q + r * ldq, ldq, panel, depth, z + r * kNoisyPanel);
}

}  // namespace

const NoisyMicroKernels noisy_micro = {dot_panel, noise_panel, compare_panel};

}  // namespace HASHMAC_TARGET
}  // namespace hashmac
