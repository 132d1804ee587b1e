// Per-ISA micro-kernels of the stream executor (stream_executor_simd.cc, compiled once per ISA): the
// dot products of the bfloat16 weight mode, widening each weight to float32 in registers.
#pragma once
#include <cstdint>

#include "isa.h"

namespace hashmac {

struct StreamMicroKernels {
  // y[r * ldy + c] = sum_d x[r * ldx + d] * float(w[c * ldw + d]) + bias[c], for r < rows, c < cols;
  // w holds bfloat16 bit patterns (the top half of a float32).
  void (*dot_rows_bf16)(const float* x, int64_t ldx, int64_t rows, const uint16_t* w, int64_t ldw, int64_t cols, int64_t depth,
                        const float* bias, float* y, int64_t ldy);
};

HASHMAC_MICRO_KERNELS(StreamMicroKernels, stream_micro)

}  // namespace hashmac
