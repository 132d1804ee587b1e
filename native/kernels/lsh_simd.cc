// LSH micro-kernels, compiled once per ISA (see simd_target.h). The drivers in lsh.cc pack operands
// into 32-wide panels and split work over threads; these functions do the arithmetic.
#include "simd_target.h"
#include "lsh_isa.h"
#include "panel_fma.h"

#include <cmath>

namespace hashmac {
namespace HASHMAC_TARGET {
namespace {

#if HASHMAC_TARGET_ID == 2
// ---- AVX-512 Hamming panel: 4 rows x 32 codes: broadcast one word of a, XOR with 4 vectors of 8 codes, VPOPCNTQ, add.
//
// The epilogue narrows a row's four vectors of eight 64-bit counts with in-register permutes (a count's
// upper half is zero, so picking the even dwords, then the even words, is the int32 / uint16 value)
// and writes whole 64-byte lines: 2 stores per row for int32, 1 for uint16. The memory-destination
// narrowing stores (VPMOVQD m256{k}) it replaces are several micro-ops each on AMD cores and cost
// about as much as the arithmetic when K is 1024 bits or less.
inline __m512i even_dwords(__m512i lo, __m512i hi) {
  const __m512i idx = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  return _mm512_permutex2var_epi32(lo, idx, hi);
}
inline __m512i even_words(__m512i lo, __m512i hi) {
  const __m512i idx = _mm512_setr_epi32(0x00020000, 0x00060004, 0x000a0008, 0x000e000c, 0x00120010, 0x00160014,
                                        0x001a0018, 0x001e001c, 0x00220020, 0x00260024, 0x002a0028, 0x002e002c,
                                        0x00320030, 0x00360034, 0x003a0038, 0x003e003c);
  return _mm512_permutex2var_epi16(lo, idx, hi);
}
inline __mmask16 first16(int n) { return n >= 16 ? 0xffff : n <= 0 ? 0 : static_cast<__mmask16>((1u << n) - 1); }

// One row's 32 counts (c0..c3: codes 0-7, 8-15, 16-23, 24-31) to dist[0, cols). `stream` (cols == 32,
// dist 64-byte aligned): non-temporal full-line stores.
inline void store_row(int32_t* dist, __m512i c0, __m512i c1, __m512i c2, __m512i c3, int cols, bool stream) {
  const __m512i lo = even_dwords(c0, c1), hi = even_dwords(c2, c3);
  if (stream) {
    _mm512_stream_si512(reinterpret_cast<__m512i*>(dist), lo);
    _mm512_stream_si512(reinterpret_cast<__m512i*>(dist + 16), hi);
  } else if (cols == kPanel) {
    _mm512_storeu_si512(dist, lo);
    _mm512_storeu_si512(dist + 16, hi);
  } else {
    _mm512_mask_storeu_epi32(dist, first16(cols), lo);
    _mm512_mask_storeu_epi32(dist + 16, first16(cols - 16), hi);
  }
}
inline void store_row(uint16_t* dist, __m512i c0, __m512i c1, __m512i c2, __m512i c3, int cols, bool stream) {
  const __m512i v = even_words(even_dwords(c0, c1), even_dwords(c2, c3));
  if (stream) {
    _mm512_stream_si512(reinterpret_cast<__m512i*>(dist), v);
  } else if (cols == kPanel) {
    _mm512_storeu_si512(dist, v);
  } else {
    _mm512_mask_storeu_epi16(dist, static_cast<__mmask32>(cols >= 32 ? ~0u : (1u << cols) - 1), v);
  }
}

template <int MR, class T>
inline void hamming_block(const uint64_t* a, int64_t lda, const uint64_t* panel, int64_t words, T* dist,
                          int64_t ldd, int cols, bool stream) {
  __m512i acc[MR][4];
  for (int i = 0; i < MR; ++i)
    for (int c = 0; c < 4; ++c) acc[i][c] = _mm512_setzero_si512();
  // words >= 1: a do-while lets GCC keep acc in registers (with a loop that might not run it keeps the
  // zeros on the stack and reloads the sums from there, 48 memory operations per block).
  int64_t w = 0;
  do {
    const __m512i b0 = _mm512_loadu_si512(panel + w * kPanel);
    const __m512i b1 = _mm512_loadu_si512(panel + w * kPanel + 8);
    const __m512i b2 = _mm512_loadu_si512(panel + w * kPanel + 16);
    const __m512i b3 = _mm512_loadu_si512(panel + w * kPanel + 24);
    for (int i = 0; i < MR; ++i) {
      const __m512i ai = _mm512_set1_epi64(static_cast<long long>(load_u64(a + i * lda + w)));
      acc[i][0] = _mm512_add_epi64(acc[i][0], _mm512_popcnt_epi64(_mm512_xor_si512(ai, b0)));
      acc[i][1] = _mm512_add_epi64(acc[i][1], _mm512_popcnt_epi64(_mm512_xor_si512(ai, b1)));
      acc[i][2] = _mm512_add_epi64(acc[i][2], _mm512_popcnt_epi64(_mm512_xor_si512(ai, b2)));
      acc[i][3] = _mm512_add_epi64(acc[i][3], _mm512_popcnt_epi64(_mm512_xor_si512(ai, b3)));
    }
  } while (++w < words);
  const bool nt = stream && cols == kPanel;
  for (int i = 0; i < MR; ++i) store_row(dist + i * ldd, acc[i][0], acc[i][1], acc[i][2], acc[i][3], cols, nt);
}
constexpr int kHammingRows = 4;

#elif HASHMAC_TARGET_ID == 1
// ---- AVX2 Hamming panel. Nibble-table popcount (Mula): per byte, table[low nibble] + table[high nibble]; VPSADBW folds the
// byte counts into the four 64-bit lanes. 2 rows x 8 columns per pass over the panel.
inline __m256i popcount_bytes(__m256i v) {
  const __m256i table = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1,
                                         2, 2, 3, 2, 3, 3, 4);
  const __m256i low = _mm256_set1_epi8(0x0f);
  const __m256i lo = _mm256_shuffle_epi8(table, _mm256_and_si256(v, low));
  const __m256i hi = _mm256_shuffle_epi8(table, _mm256_and_si256(_mm256_srli_epi16(v, 4), low));
  return _mm256_add_epi8(lo, hi);
}

template <int MR, class T>
inline void hamming_block(const uint64_t* a, int64_t lda, const uint64_t* panel, int64_t words, T* dist,
                          int64_t ldd, int cols, bool stream) {
  for (int g = 0; g < 4 && g * 8 < cols; ++g) {
    __m256i acc[MR][2];
    for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = _mm256_setzero_si256();
    const __m256i zero = _mm256_setzero_si256();
    for (int64_t w = 0; w < words; ++w) {
      const __m256i b0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(panel + w * kPanel + g * 8));
      const __m256i b1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(panel + w * kPanel + g * 8 + 4));
      for (int i = 0; i < MR; ++i) {
        const __m256i ai = _mm256_set1_epi64x(static_cast<long long>(load_u64(a + i * lda + w)));
        acc[i][0] = _mm256_add_epi64(acc[i][0], _mm256_sad_epu8(popcount_bytes(_mm256_xor_si256(ai, b0)), zero));
        acc[i][1] = _mm256_add_epi64(acc[i][1], _mm256_sad_epu8(popcount_bytes(_mm256_xor_si256(ai, b1)), zero));
      }
    }
    for (int i = 0; i < MR; ++i) {
      alignas(32) int64_t lanes[8];
      _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), acc[i][0]);
      _mm256_store_si256(reinterpret_cast<__m256i*>(lanes + 4), acc[i][1]);
      for (int c = 0; c < 8 && g * 8 + c < cols; ++c) dist[i * ldd + g * 8 + c] = static_cast<T>(lanes[c]);
    }
  }
}
constexpr int kHammingRows = 2;

#else
// ---- Portable scalar Hamming panel.
template <int MR, class T>
inline void hamming_block(const uint64_t* a, int64_t lda, const uint64_t* panel, int64_t words, T* dist,
                          int64_t ldd, int cols, bool stream) {
  for (int i = 0; i < MR; ++i) {
    int64_t acc[kPanel] = {};
    for (int64_t w = 0; w < words; ++w) {
      const uint64_t ai = load_u64(a + i * lda + w);
      for (int c = 0; c < kPanel; ++c) acc[c] += __builtin_popcountll(ai ^ panel[w * kPanel + c]);
    }
    for (int c = 0; c < cols; ++c) dist[i * ldd + c] = static_cast<T>(acc[c]);
  }
}
constexpr int kHammingRows = 1;
#endif

// The float z = x . panel never leaves registers: the shared micro-kernel hands each row's 32 sums to
// an epilogue that keeps only their signs.
void sign_panel(const float* x, int64_t ldx, int64_t rows, const float* panel, int64_t depth, uint32_t* bits) {
  panel_rows(x, ldx, rows, panel, depth, [bits](int64_t r, const PanelRow& acc) { bits[r] = sign_bits(acc); });
}

template <class T>
void hamming_rows(const uint64_t* a, int64_t lda, int64_t rows, const uint64_t* panel, int64_t words, T* dist,
                  int64_t ldd, int cols, bool stream) {
  int64_t r = 0;
  for (; r + kHammingRows <= rows; r += kHammingRows)
    hamming_block<kHammingRows>(a + r * lda, lda, panel, words, dist + r * ldd, ldd, cols, stream);
  for (; r < rows; ++r) hamming_block<1>(a + r * lda, lda, panel, words, dist + r * ldd, ldd, cols, stream);
}

// Makes this thread's non-temporal stores visible to other threads: once per task, not per panel (a
// fence drains the write-combining buffers, and one per 4-row panel call cut the rate tenfold).
void stream_fence() {
#if HASHMAC_TARGET_ID == 2
  _mm_sfence();
#endif
}

void hamming_panel(const uint64_t* a, int64_t lda, int64_t rows, const uint64_t* panel, int64_t words, int32_t* dist,
                   int64_t ldd, int cols, bool stream) {
  hamming_rows(a, lda, rows, panel, words, dist, ldd, cols, stream);
}

void hamming_panel16(const uint64_t* a, int64_t lda, int64_t rows, const uint64_t* panel, int64_t words, uint16_t* dist,
                     int64_t ldd, int cols, bool stream) {
  hamming_rows(a, lda, rows, panel, words, dist, ldd, cols, stream);
}

void at_most(const int32_t* d, int64_t rows, int cols, const int32_t* bound, uint32_t* masks) {
#if HASHMAC_TARGET_ID == 2
  const uint32_t valid = cols >= 32 ? ~0u : (1u << cols) - 1;
  const __mmask16 lv = static_cast<__mmask16>(valid), hv = static_cast<__mmask16>(valid >> 16);
  for (int64_t r = 0; r < rows; ++r, d += kPanel) {
    const __m512i b = _mm512_set1_epi32(bound[r]);
    const uint32_t lo = _mm512_mask_cmple_epi32_mask(lv, _mm512_maskz_loadu_epi32(lv, d), b);
    const uint32_t hi = _mm512_mask_cmple_epi32_mask(hv, _mm512_maskz_loadu_epi32(hv, d + 16), b);
    masks[r] = lo | (hi << 16);
  }
#else
  for (int64_t r = 0; r < rows; ++r, d += kPanel) {
    uint32_t m = 0;
    for (int c = 0; c < cols; ++c) m |= static_cast<uint32_t>(d[c] <= bound[r]) << c;
    masks[r] = m;
  }
#endif
}

// Sum of squares in 16 independent float32 partial sums (the compiler vectorizes this on every ISA),
// which is both faster and more accurate than one running sum.
void row_norms(const float* x, int64_t ldx, int64_t rows, int64_t depth, float eps, float* out) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * ldx;
    float part[16] = {};
    int64_t d = 0;
    for (; d + 16 <= depth; d += 16)
      for (int l = 0; l < 16; ++l) part[l] += xr[d + l] * xr[d + l];
    for (int l = 0; d < depth; ++d, ++l) part[l] += xr[d] * xr[d];
    for (int w = 8; w >= 1; w /= 2)
      for (int l = 0; l < w; ++l) part[l] += part[l + w];
    out[r] = std::sqrt(part[0]) + eps;
  }
}

}  // namespace

const LshMicroKernels lsh_micro = {sign_panel, hamming_panel, hamming_panel16, stream_fence, at_most, row_norms};

}  // namespace HASHMAC_TARGET
}  // namespace hashmac
