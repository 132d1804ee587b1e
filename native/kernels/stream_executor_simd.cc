// Micro-kernels of the stream executor, compiled once per ISA (see simd_target.h): bfloat16 weights are
// loaded at 2 bytes each and widened in registers (a bfloat16 is the top half of a float32, so widening
// is a zero-extend and a 16-bit shift), then fed to the same FMA chains as the float32 dot products.
#include "simd_target.h"

#include "dot_rows.h"
#include "stream_executor_isa.h"
#include "vec.h"

namespace hashmac {
namespace HASHMAC_TARGET {
namespace {

using namespace vec;

// kLanes bfloat16 values from p as float32 lanes.
inline vf widen(const uint16_t* p) {
#if HASHMAC_TARGET_ID == 2
  const __m512i w = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  return (vf)_mm512_castsi512_ps(_mm512_slli_epi32(w, 16));
#elif HASHMAC_TARGET_ID == 1
  const __m256i w = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  return (vf)_mm256_castsi256_ps(_mm256_slli_epi32(w, 16));
#elif defined(__SSE2__)
  // Interleaving zeros below each 16-bit value puts it in the top half of a 32-bit lane.
  const __m128i h = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
  return (vf)_mm_castsi128_ps(_mm_unpacklo_epi16(_mm_setzero_si128(), h));
#else
  vf v;
  for (int i = 0; i < kLanes; ++i) {
    const uint32_t bits = static_cast<uint32_t>(p[i]) << 16;
    std::memcpy(&v[i], &bits, sizeof(float));
  }
  return v;
#endif
}

// The first n (< kLanes) values, the rest zero; never reads past p + n.
inline vf widen_n(const uint16_t* p, int n) {
  uint16_t buf[kLanes] = {};
  std::memcpy(buf, p, static_cast<size_t>(n) * sizeof(uint16_t));
  return widen(buf);
}

// MR rows of x against NR rows of w: MR x NR independent FMA chains.
template <int NR, int MR>
inline void dot_block(const float* x, int64_t ldx, const uint16_t* w, int64_t ldw, int64_t depth, float (&out)[MR][NR]) {
  vf acc[MR][NR];
  HASHMAC_UNROLL for (int i = 0; i < MR; ++i) HASHMAC_UNROLL for (int j = 0; j < NR; ++j) acc[i][j] = splat<vf>(0.0f);
  int64_t d = 0;
  for (; d + kLanes <= depth; d += kLanes) {
    vf wv[NR];
    HASHMAC_UNROLL for (int j = 0; j < NR; ++j) wv[j] = widen(w + j * ldw + d);
    HASHMAC_UNROLL for (int i = 0; i < MR; ++i) {
      const vf xv = load<vf>(x + i * ldx + d);
      HASHMAC_UNROLL for (int j = 0; j < NR; ++j) acc[i][j] = fma(xv, wv[j], acc[i][j]);
    }
  }
  if (d < depth) {
    const int n = static_cast<int>(depth - d);
    vf wv[NR];
    for (int j = 0; j < NR; ++j) wv[j] = widen_n(w + j * ldw + d, n);
    for (int i = 0; i < MR; ++i) {
      const vf xv = load_n(x + i * ldx + d, n);
      for (int j = 0; j < NR; ++j) acc[i][j] = fma(xv, wv[j], acc[i][j]);
    }
  }
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NR; ++j) out[i][j] = hsum(acc[i][j]);
}

struct Bf16Dots {  // the arithmetic of dot_rows.h's loops
  template <int NR, int MR>
  static void block(const float* x, int64_t ldx, const uint16_t* w, int64_t ldw, int64_t depth, float (&out)[MR][NR]) {
    dot_block<NR, MR>(x, ldx, w, ldw, depth, out);
  }
};

// Rows of x per pass over the weights: each widened weight vector feeds this many FMAs.
constexpr int kDotRows = HASHMAC_TARGET_ID == 2 ? 4 : 2;

void dot_rows_bf16(const float* x, int64_t ldx, int64_t rows, const uint16_t* w, int64_t ldw, int64_t cols, int64_t depth, const float* bias,
                   float* y, int64_t ldy) {
  dot_rows_by<Bf16Dots, kDotRows>(x, ldx, rows, w, ldw, cols, depth, bias, y, ldy);
}

}  // namespace

const StreamMicroKernels stream_micro = {dot_rows_bf16};

}  // namespace HASHMAC_TARGET
}  // namespace hashmac
