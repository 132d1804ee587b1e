// CUDA launchers of the Hawk/Griffin RG-LRU step and the hackathon's BlockLinear (SPEC section 10-11).
// Device pointers; enqueue on `stream`.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

namespace hashmac::cuda {

struct RglruArgs {
  float* h;                // [S, W]
  const float* x;          // [B, T, W]
  const float* gate_x;     // [B, T, W] pre-activation
  const float* gate_a;     // [B, T, W] pre-activation
  const float* a;          // [W]
  float c;
  bool softplus_a;         // false: a_t = a^(c sigmoid(gate_a)); true: exp(-c sigmoid(gate_a) softplus(a))
  const uint8_t* reset;    // [B, T] or nullptr: where set, a_t = 0 and the multiplier is 1
  const int32_t* slots;    // [B]
  int64_t B, T, S, W;
  float* out;              // [B, T, W]
};
void rglru_step(const RglruArgs& a, cudaStream_t stream);

// y[r, n*bo + k] = sum_h x[r, n*bi + h] * weight[n, k, h] + bias[n*bo + k].
struct BlockLinearArgs {
  const float* x;          // [R, nb*bi]
  const float* weight;     // [nb, bo, bi]
  const float* bias;       // [nb*bo] or nullptr
  int64_t R, nb, bi, bo;
  float* y;                // [R, nb*bo]
};
void block_linear(const BlockLinearArgs& a, cudaStream_t stream);

}  // namespace hashmac::cuda
