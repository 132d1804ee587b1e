// The noisy crossbar sign projection (lib/kernels/noisy.ts gives the float32 recipe): DAC-quantised
// inputs against programmed weights, read noise from the counter-based generator, comparator offsets,
// one bit per column. Plain C++; the binding and tests call it.
#pragma once
#include <cstdint>

#include "isa.h"

namespace hashmac {

struct NoisySignArgs {
  const float* x;        // [M, D]
  const float* w;        // [K, D] programmed weights
  const float* offsets;  // [K] comparator offsets
  int64_t M, D, K;
  uint8_t* codes;        // [M] rows of code_stride bytes (>= ceil(K/8)); padding is zeroed
  int64_t code_stride;
  int dac_bits;          // 0..16, 0 = ideal analog input
  float noise_scale;     // read-noise std * GAUSS_SCALE (float32)
  uint32_t key;          // stream key (seed, stream)
  uint32_t row_offset;   // global index of row 0
};

void noisy_sign_project(const Exec& ex, const NoisySignArgs& a);

}  // namespace hashmac
