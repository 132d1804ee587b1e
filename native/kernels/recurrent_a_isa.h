// Per-ISA micro-kernels of the recurrent-a family (defined in recurrent_a_simd.cc, compiled once per
// ISA). Each works on one independent piece of a call, so the drivers can spread pieces over threads.
#pragma once
#include <cstdint>

#include "isa.h"
#include "recurrent_a.h"

namespace hashmac {

struct RecurrentAMicroKernels {
  // Batch row b, head h, all steps, on the state of slots[b] (>= 0). scratch: 3 * steps * head_dim floats.
  void (*ssu_head)(const SsuArgs& a, int64_t b, int64_t h, float* scratch);
  // Batch row b, channels [c0, c0 + cn), all steps. wt: the weight transposed to [width, channels].
  // scratch: length * cn floats (the state deinterleaved).
  void (*conv_block)(const ConvArgs& a, int64_t b, int64_t c0, int64_t cn, const float* wt, float* scratch);
  // Batch row b, features [w0, w0 + wn), all steps. log_a[w] = log(a_t) / (c * sigmoid(gate_a)).
  void (*rglru_block)(const RglruArgs& a, int64_t b, int64_t w0, int64_t wn, const float* log_a);
  // Rows [r0, r0 + rn) of block n.
  void (*block_linear_tile)(const BlockLinearArgs& a, int64_t n, int64_t r0, int64_t rn);
};

namespace scalar { extern const RecurrentAMicroKernels recurrent_a_micro; }
namespace avx2 { extern const RecurrentAMicroKernels recurrent_a_micro; }
namespace avx512 { extern const RecurrentAMicroKernels recurrent_a_micro; }

const RecurrentAMicroKernels& recurrent_a_micro(Isa isa);

}  // namespace hashmac
