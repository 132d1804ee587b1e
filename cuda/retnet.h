// CUDA launchers of the RetNet kernels (SPEC section 6-7), taking the argument structs of the CPU
// kernels (native/kernels/retnet.h) holding device pointers; they enqueue on `stream`.
#pragma once
#include <cuda_runtime.h>

#include "../native/kernels/retnet.h"

namespace hashmac::cuda {

// y = x*cos(theta) + rot(x)*sin(theta), theta[d] = float(pos) * angle[d] (one float multiply).
void rotary(const RotaryArgs& a, cudaStream_t stream);

// Recurrent retention with rotary fused; T steps per row, positions offsets[slot] + t.
// Dk <= 256 (each thread holds Dk/16 state values of one column in registers).
void retention_step(const RetentionStepArgs& a, cudaStream_t stream);

}  // namespace hashmac::cuda
