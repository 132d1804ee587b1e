// Per-ISA micro-kernels of the noisy sign projection (noisy_simd.cc, compiled once per ISA). Every lane
// performs the scalar recipe, so all ISAs give identical floats.
#pragma once
#include <cstdint>

#include "isa.h"

namespace hashmac {

constexpr int kNoisyPanel = 32;

struct NoisyMicroKernels {
  // z[r*32 + c] = (...(0 + q[r*ldq] * panel[c]) + q[r*ldq + 1] * panel[32 + c]) + ...) over d in order,
  // each product rounded before its add, for r < rows and all 32 columns.
  void (*dot_panel)(const float* q, int64_t ldq, int64_t rows, const float* panel, int64_t depth, float* z);
  // noise[c] = float(gauss_int(row_key, col0 + c)) * scale for c < 32.
  void (*noise_panel)(uint32_t row_key, uint32_t col0, float scale, float* noise);
  // Bit c = fl(fl(fl(z[c] * inv_l) + noise[c]) + offsets[c]) > 0 for c < 32.
  uint32_t (*compare_panel)(const float* z, float inv_l, const float* noise, const float* offsets);
};

HASHMAC_MICRO_KERNELS(NoisyMicroKernels, noisy_micro)

}  // namespace hashmac
