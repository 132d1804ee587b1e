// CUDA launchers of the xLSTM cells (SPEC section 8-9), taking the argument structs of the CPU kernels
// (native/kernels/xlstm.h) holding device pointers; they enqueue on `stream`.
#pragma once
#include <cuda_runtime.h>

#include "../native/kernels/xlstm.h"

namespace hashmac::cuda {

// sLSTM with its block-diagonal recurrence fused; a fresh state has m = -inf.
void slstm_step(const SlstmStepArgs& a, cudaStream_t stream);

// DK <= 256 (each thread holds DK/16 values of one C column in registers).
void mlstm_step(const MlstmStepArgs& a, cudaStream_t stream);

}  // namespace hashmac::cuda
