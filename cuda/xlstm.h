// CUDA launchers of the xLSTM cells (SPEC section 8-9). Device pointers; enqueue on `stream`.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

namespace hashmac::cuda {

// sLSTM with its block-diagonal recurrence fused; a fresh state has m = -inf.
struct SlstmArgs {
  float* y;                // [S, NH*DH]
  float* c;                // [S, NH*DH]
  float* n;                // [S, NH*DH]
  float* m;                // [S, NH*DH]
  const float* wx;         // [B, T, 4, NH*DH] input parts of gates i, f, z, o
  const float* R;          // [4, NH, DH, DH]
  const float* r_bias;     // [4, NH*DH] or nullptr
  float eps;
  const int32_t* slots;    // [B]
  int64_t B, T, S, NH, DH;
  float* out;              // [B, T, NH*DH]
};
void slstm_step(const SlstmArgs& a, cudaStream_t stream);

struct MlstmArgs {
  float* C;                // [S, NH, DK, DV]
  float* n;                // [S, NH, DK]
  float* m;                // [S, NH]
  const float* q;          // [B, T, NH, DK]
  const float* k;          // [B, T, NH, DK]
  const float* v;          // [B, T, NH, DV]
  const float* i_pre;      // [B, T, NH]
  const float* f_pre;      // [B, T, NH]
  float eps;
  const int32_t* slots;    // [B]
  int64_t B, T, S, NH, DK, DV;
  float* h;                // [B, T, NH, DV]
};
// DK <= 256 (each thread holds DK/8 values of one C column in registers).
void mlstm_step(const MlstmArgs& a, cudaStream_t stream);

}  // namespace hashmac::cuda
