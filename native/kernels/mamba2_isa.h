// Per-ISA micro-kernels of the Mamba2 family (defined in mamba2_simd.cc, compiled once per ISA). Each
// works on one independent piece of a call, so the drivers can spread pieces over threads.
#pragma once
#include <cstdint>

#include "isa.h"
#include "mamba2.h"

namespace hashmac {

struct Mamba2MicroKernels {
  // Batch row b, head h, all steps, on the state of slots[b] (>= 0). scratch: 3 * steps * head_dim floats.
  void (*ssu_head)(const SsuArgs& a, int64_t b, int64_t h, float* scratch);
  // Batch row b, channels [c0, c0 + cn), all steps. wt: the weight transposed to [width, channels].
  // scratch: length * cn floats (the state deinterleaved).
  void (*conv_block)(const ConvArgs& a, int64_t b, int64_t c0, int64_t cn, const float* wt, float* scratch);
};

HASHMAC_MICRO_KERNELS(Mamba2MicroKernels, mamba2_micro)

}  // namespace hashmac
