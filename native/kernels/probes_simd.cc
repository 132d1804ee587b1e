// Probe loops, compiled once per ISA (see simd_target.h and probes.h). Every loop keeps many independent
// dependency chains in flight so it measures throughput, not latency.
#include "simd_target.h"
#include "probes.h"

namespace hashmac {
namespace HASHMAC_TARGET {
namespace {

// L1-resident operands for the Hamming probe, as the real kernel streams a packed panel from L1.
constexpr int kRing = 64;

#if HASHMAC_TARGET_ID == 2
// Lane sums through memory: GCC 12's _mm512_reduce_add_* intrinsics trip -Wuninitialized.
inline uint64_t lane_sum(__m512i v) {
  alignas(64) uint64_t lanes[8];
  _mm512_store_si512(lanes, v);
  uint64_t s = 0;
  for (uint64_t x : lanes) s += x;
  return s;
}
inline float lane_sum(__m512 v) {
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, v);
  float s = 0;
  for (float x : lanes) s += x;
  return s;
}

uint64_t popcount(int64_t iters, uint64_t seed) {
  __m512i v[12];
  for (int i = 0; i < 12; ++i) v[i] = _mm512_set1_epi64(static_cast<long long>(seed + i));
  for (int64_t n = 0; n < iters; ++n)
    for (int i = 0; i < 12; ++i) v[i] = _mm512_popcnt_epi64(v[i]);
  __m512i s = v[0];
  for (int i = 1; i < 12; ++i) s = _mm512_add_epi64(s, v[i]);
  return lane_sum(s);
}
constexpr double kPopcountBits = 12 * 512;

uint64_t xor_popcount_add(int64_t iters, uint64_t seed) {
  alignas(64) uint64_t ring[kRing * 8];
  for (int i = 0; i < kRing * 8; ++i) ring[i] = seed * 0x9E3779B97F4A7C15ull + i;
  __m512i a[4], acc[4][2];
  for (int i = 0; i < 4; ++i) {
    a[i] = _mm512_set1_epi64(static_cast<long long>(seed ^ (0x5555ull << i)));
    acc[i][0] = acc[i][1] = _mm512_setzero_si512();
  }
  for (int64_t n = 0; n < iters; ++n) {
    const uint64_t* p = ring + ((n * 2) % kRing) * 8;
    const __m512i b0 = _mm512_load_si512(p), b1 = _mm512_load_si512(p + 8);
    for (int i = 0; i < 4; ++i) {
      acc[i][0] = _mm512_add_epi64(acc[i][0], _mm512_popcnt_epi64(_mm512_xor_si512(a[i], b0)));
      acc[i][1] = _mm512_add_epi64(acc[i][1], _mm512_popcnt_epi64(_mm512_xor_si512(a[i], b1)));
    }
  }
  __m512i s = _mm512_setzero_si512();
  for (int i = 0; i < 4; ++i) s = _mm512_add_epi64(s, _mm512_add_epi64(acc[i][0], acc[i][1]));
  return lane_sum(s);
}
constexpr double kHammingBits = 8 * 512;

float fma(int64_t iters, float seed) {
  __m512 acc[12];
  const __m512 m = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(seed);
  for (int i = 0; i < 12; ++i) acc[i] = _mm512_set1_ps(seed + i);
  for (int64_t n = 0; n < iters; ++n)
    for (int i = 0; i < 12; ++i) acc[i] = _mm512_fmadd_ps(acc[i], m, c);
  __m512 s = acc[0];
  for (int i = 1; i < 12; ++i) s = _mm512_add_ps(s, acc[i]);
  return lane_sum(s);
}
constexpr double kFmaFlops = 12 * 16 * 2;

// x[i] = x[i] * a + b in place over n floats (n a multiple of 64, p 64-byte aligned): one read and one
// write of every line, as a state kernel updates its pool.
void update_in_place(float* p, int64_t n, float a, float b) {
  const __m512 va = _mm512_set1_ps(a), vb = _mm512_set1_ps(b);
  for (int64_t i = 0; i < n; i += 64)
    for (int k = 0; k < 4; ++k) _mm512_store_ps(p + i + 16 * k, _mm512_fmadd_ps(_mm512_load_ps(p + i + 16 * k), va, vb));
}

#else
// AVX2 has no vector popcount: the 64-bit POPCNT instruction (what __builtin_popcountll compiles to with
// -mpopcnt) is this ISA's popcount unit; the scalar build gets the portable software popcount.
uint64_t popcount(int64_t iters, uint64_t seed) {
  uint64_t v[8];
  for (int i = 0; i < 8; ++i) v[i] = seed + i;
  for (int64_t n = 0; n < iters; ++n)
    for (int i = 0; i < 8; ++i) v[i] = static_cast<uint64_t>(__builtin_popcountll(v[i])) + n;
  uint64_t s = 0;
  for (int i = 0; i < 8; ++i) s += v[i];
  return s;
}
constexpr double kPopcountBits = 8 * 64;

uint64_t xor_popcount_add(int64_t iters, uint64_t seed) {
  uint64_t ring[kRing];
  for (int i = 0; i < kRing; ++i) ring[i] = seed * 0x9E3779B97F4A7C15ull + i;
  uint64_t a[4], acc[4] = {};
  for (int i = 0; i < 4; ++i) a[i] = seed ^ (0x5555ull << i);
  for (int64_t n = 0; n < iters; ++n) {
    const uint64_t b0 = ring[(n * 2) % kRing], b1 = ring[(n * 2 + 1) % kRing];
    for (int i = 0; i < 4; ++i) acc[i] += __builtin_popcountll(a[i] ^ b0) + __builtin_popcountll(a[i] ^ b1);
  }
  return acc[0] + acc[1] + acc[2] + acc[3];
}
constexpr double kHammingBits = 8 * 64;

#if HASHMAC_TARGET_ID == 1
float fma(int64_t iters, float seed) {
  __m256 acc[12];
  const __m256 m = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(seed);
  for (int i = 0; i < 12; ++i) acc[i] = _mm256_set1_ps(seed + i);
  for (int64_t n = 0; n < iters; ++n)
    for (int i = 0; i < 12; ++i) acc[i] = _mm256_fmadd_ps(acc[i], m, c);
  __m256 s = acc[0];
  for (int i = 1; i < 12; ++i) s = _mm256_add_ps(s, acc[i]);
  alignas(32) float out[8];
  _mm256_store_ps(out, s);
  return out[0] + out[1] + out[2] + out[3] + out[4] + out[5] + out[6] + out[7];
}
constexpr double kFmaFlops = 12 * 8 * 2;

void update_in_place(float* p, int64_t n, float a, float b) {
  const __m256 va = _mm256_set1_ps(a), vb = _mm256_set1_ps(b);
  for (int64_t i = 0; i < n; i += 64)
    for (int k = 0; k < 8; ++k) _mm256_store_ps(p + i + 8 * k, _mm256_fmadd_ps(_mm256_load_ps(p + i + 8 * k), va, vb));
}
#else
// Baseline x86-64 (and any other target): a multiply and an add per element.
float fma(int64_t iters, float seed) {
  float acc[16];
  for (int i = 0; i < 16; ++i) acc[i] = seed + i;
  for (int64_t n = 0; n < iters; ++n)
    for (int i = 0; i < 16; ++i) acc[i] = acc[i] * 0.999999f + seed;
  float s = 0;
  for (int i = 0; i < 16; ++i) s += acc[i];
  return s;
}
constexpr double kFmaFlops = 16 * 2;

// Plain loop: the baseline compiler vectorizes it with SSE2.
void update_in_place(float* p, int64_t n, float a, float b) {
  for (int64_t i = 0; i < n; ++i) p[i] = p[i] * a + b;
}
#endif
#endif

}  // namespace

const ProbeKernels probe_kernels = {popcount, xor_popcount_add, fma, update_in_place, kPopcountBits, kHammingBits, kFmaFlops};

}  // namespace HASHMAC_TARGET
}  // namespace hashmac
