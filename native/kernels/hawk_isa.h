// Per-ISA micro-kernels of the Hawk family (defined in hawk_simd.cc, compiled once per ISA). Each works
// on one independent piece of a call, so the drivers can spread pieces over threads.
#pragma once
#include <cstdint>

#include "hawk.h"
#include "isa.h"

namespace hashmac {

struct HawkMicroKernels {
  // Batch row b, features [w0, w0 + wn), all steps. log_a[w] = log(a_t) / (c * sigmoid(gate_a)).
  void (*rglru_block)(const RglruArgs& a, int64_t b, int64_t w0, int64_t wn, const float* log_a);
  // Rows [r0, r0 + rn) of block n.
  void (*block_linear_tile)(const BlockLinearArgs& a, int64_t n, int64_t r0, int64_t rn);
};

HASHMAC_MICRO_KERNELS(HawkMicroKernels, hawk_micro)

}  // namespace hashmac
