// The counter-based noise generator of the AIMC model, twin of lib/counter-rng.ts: every draw is a pure
// function of (key, row, column) built from 32-bit xor, shifts and wrapping multiplies, so JS and C++
// (and every thread count) draw the same numbers. constexpr so that CUDA device code can call them too
// (nvcc --expt-relaxed-constexpr).
#pragma once
#include <cstdint>

namespace hashmac {

// Bijective 32-bit mixer ("lowbias32", C. Wellons' hash prospector).
constexpr uint32_t mix32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return x;
}

constexpr uint32_t noise_row_key(uint32_t stream_key, uint32_t row) { return mix32(stream_key ^ mix32(row)); }

constexpr uint32_t noise_word(uint32_t row_key, uint32_t col, uint32_t t) { return mix32(row_key + ((col << 2) + t) * 0x9e3779b9u); }

// 2 * (sum of eight 16-bit uniforms) - 8 * 65535: mean 0, integer, |value| < 2^20.
constexpr int32_t gauss_int(uint32_t row_key, uint32_t col) {
  int32_t s = 0;
  for (uint32_t t = 0; t < 4; ++t) {
    const uint32_t w = noise_word(row_key, col, t);
    s += static_cast<int32_t>((w & 0xffffu) + (w >> 16));
  }
  return 2 * s - 8 * 65535;
}

// Keeps a float (or vector) value opaque to the optimiser so a product is never fused with the next add
// (an FMA would round once where the reference rounds twice).
#if defined(__x86_64__) || defined(__i386__)
#define HASHMAC_NO_FUSE(v) __asm__("" : "+x"(v))
#elif defined(__aarch64__)
#define HASHMAC_NO_FUSE(v) __asm__("" : "+w"(v))
#else
#define HASHMAC_NO_FUSE(v) do { volatile float hashmac_nf_ = (v); (v) = hashmac_nf_; } while (0)
#endif

}  // namespace hashmac
