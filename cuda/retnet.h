// CUDA launchers of the RetNet kernels (SPEC section 6-7). Device pointers; enqueue on `stream`.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

namespace hashmac::cuda {

// y = x*cos(theta) + rot(x)*sin(theta), theta[d] = float(pos) * angle[d] (one float multiply).
struct RotaryArgs {
  const float* x;          // [R, H, Dh] (R = rows, e.g. B or B*T), Dh even
  const int32_t* positions;  // [R]
  const float* angle;      // [Dh]
  int64_t R, H, Dh;
  float* y;                // [R, H, Dh]
};
void rotary(const RotaryArgs& a, cudaStream_t stream);

// Recurrent retention with rotary fused; T steps per row, positions offsets[slot] + t.
struct RetentionArgs {
  float* S;                // [Sl, H, Dk, Dv]
  float* scales;           // [Sl, H]
  int32_t* offsets;        // [Sl]
  const float* q;          // [B, T, H, Dk]
  const float* k;          // [B, T, H, Dk]
  const float* v;          // [B, T, H, Dv]
  const float* decay;      // [H] (gamma)
  const float* angle;      // [Dk] or nullptr (no rotary)
  float k_scale;
  const int32_t* slots;    // [B]
  int64_t B, T, Sl, H, Dk, Dv;
  float* o;                // [B, T, H, Dv]
};
// Dk <= 256 (each thread holds Dk/8 state values of one column in registers).
void retention_step(const RetentionArgs& a, cudaStream_t stream);

}  // namespace hashmac::cuda
