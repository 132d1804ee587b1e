// CUDA launchers of the Mamba2 step kernels (SPEC section 4-5) over slot-indexed state pools. Inputs
// carry a time axis [B, T, ...]; each row's T steps run in order with one read and one write of its
// state. slots[b] < 0 is padding: zero outputs, state untouched. Device pointers; enqueue on `stream`.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

namespace hashmac::cuda {

struct SelectiveStateArgs {
  float* state;            // [S, H, P, N]
  const float* x;          // [B, T, H, P]
  const float* dt;         // [B, T, H] or, with dt_per_p, [B, T, H, P]
  bool dt_per_p;
  const float* A;          // [H] or, with A_full, [H, P, N]
  bool A_full;
  const float* Bm;         // [B, T, G, N]
  const float* Cm;         // [B, T, G, N]
  const float* D;          // nullptr, [H] or, with D_per_p, [H, P]
  bool D_per_p;
  const float* z;          // nullptr or [B, T, H, P]
  const float* dt_bias;    // nullptr, [H] or, with dt_bias_per_p, [H, P]
  bool dt_bias_per_p;
  bool dt_softplus;
  const int32_t* slots;    // [B]
  int64_t B, T, S, H, P, N, G;
  float* out;              // [B, T, H, P]
};
// N <= 1024 (state of one head row held in registers across the T steps).
void selective_state_update(const SelectiveStateArgs& a, cudaStream_t stream);

struct CausalConv1dArgs {
  const float* x;          // [B, T, C]
  float* conv_state;       // [S, C, L], oldest first, L >= W - 1
  const float* weight;     // [C, W]
  const float* bias;       // [C] or nullptr
  bool silu;
  const int32_t* slots;    // [B]
  int64_t B, T, S, C, L, W;
  float* out;              // [B, T, C]
};
void causal_conv1d_update(const CausalConv1dArgs& a, cudaStream_t stream);

}  // namespace hashmac::cuda
