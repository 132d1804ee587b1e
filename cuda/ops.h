// CUDA launchers of the dense ops (linear, RMS/layer/group norm, SiLU/GELU/ReLU), taking the CPU
// kernels' argument structs (native/kernels/ops.h) holding device pointers; they enqueue on `stream`.
#pragma once
#include <cuda_runtime.h>

#include "../native/kernels/ops.h"

namespace hashmac::cuda {

using hashmac::Activation;
using hashmac::LinearArgs;
using hashmac::NormArgs;

void linear(const LinearArgs& a, cudaStream_t stream);       // the FP32 tile GEMM of BlockLinear, one block
void norm_rows(const NormArgs& a, cudaStream_t stream);      // one thread block per (row, group); in place allowed
void activation(Activation f, const float* x, float* y, int64_t n, cudaStream_t stream);  // in place allowed

}  // namespace hashmac::cuda
