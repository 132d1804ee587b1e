// The xLSTM kernel family (SPEC sections 8, 9): the sLSTM and mLSTM cells. Plain C++ over raw pointers;
// the Node-API binding calls these.
// State kernels update their pools in place; batch row b works on pool row slots[b] (negative = padding:
// zero output, no state touched); inputs carry T steps per row laid out [B, T, ...].
#pragma once
#include <cstdint>

#include "isa.h"

namespace hashmac {

struct SlstmStepArgs {
  float* y;                // pool [S, NH*DH], and c, n, m alike
  float* c;
  float* n;
  float* m;
  const float* wx;         // [B, T, 4, NH*DH]
  const float* R;          // [4, NH, DH, DH]
  const float* r_bias;     // [4, NH*DH] or nullptr
  float eps;
  const int32_t* slots;    // [B]
  int64_t B, T, NH, DH;
  float* h;                // [B, T, NH*DH]
};
void slstm_step(const Exec& ex, const SlstmStepArgs& a);

struct MlstmStepArgs {
  float* C;                // pool [S, NH, DK, DV]
  float* n;                // pool [S, NH, DK]
  float* m;                // pool [S, NH]
  const float* q;          // [B, T, NH, DK]
  const float* k;          // [B, T, NH, DK]
  const float* v;          // [B, T, NH, DV]
  const float* i_pre;      // [B, T, NH]
  const float* f_pre;      // [B, T, NH]
  float eps;
  const int32_t* slots;    // [B]
  int64_t B, T, NH, DK, DV;
  float* h;                // [B, T, NH, DV]
};
void mlstm_step(const Exec& ex, const MlstmStepArgs& a);

}  // namespace hashmac
