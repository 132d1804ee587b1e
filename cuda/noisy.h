// CUDA launcher of the noisy crossbar sign projection (the simulator's kernel, lib/kernels/noisy.ts),
// taking the CPU kernel's argument struct (native/kernels/noisy.h) holding device pointers. Bit-exact
// with the JS reference: the same float32 operations in the same order, no FMA contraction.
#pragma once
#include <cuda_runtime.h>

#include "../native/kernels/noisy.h"

namespace hashmac::cuda {

using hashmac::NoisySignArgs;

void noisy_sign_project(const NoisySignArgs& a, cudaStream_t stream);

}  // namespace hashmac::cuda
