// CUDA launchers of the Mamba2 step kernels (SPEC section 4-5) over slot-indexed state pools, taking
// the CPU kernels' argument structs (native/kernels/mamba2.h) holding device pointers. Inputs carry
// a time axis [batch, steps, ...]; each row's steps run in order with one read and one write of its
// state. slots[b] < 0 is padding: zero outputs, state untouched. They enqueue on `stream`.
#pragma once
#include <cuda_runtime.h>

#include "../native/kernels/mamba2.h"

namespace hashmac::cuda {

// N <= 1024 (state of one head row held in registers across the T steps).
void selective_state_update(const SsuArgs& a, cudaStream_t stream);

void causal_conv1d_update(const ConvArgs& a, cudaStream_t stream);

}  // namespace hashmac::cuda
