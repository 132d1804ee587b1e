// CUDA launchers of the Hawk/Griffin RG-LRU step and the hackathon's BlockLinear (SPEC section 10-11),
// taking the CPU kernels' argument structs (native/kernels/hawk.h) holding device pointers; they
// enqueue on `stream`.
#pragma once
#include <cuda_runtime.h>

#include "../native/kernels/hawk.h"

namespace hashmac::cuda {

void rglru_step(const RglruArgs& a, cudaStream_t stream);

// y[r, n*bo + k] = sum_h x[r, n*bi + h] * weight[n, k, h] + bias[n*bo + k].
void block_linear(const BlockLinearArgs& a, cudaStream_t stream);

}  // namespace hashmac::cuda
