// The recurrent-b kernel family (SPEC sections 6-9): RetNet rotary and fused retention step, and the
// xLSTM sLSTM and mLSTM cells. Plain C++ over raw pointers; the Node-API binding calls these.
// State kernels update their pools in place; batch row b works on pool row slots[b] (negative = padding:
// zero output, no state touched); inputs carry T steps per row laid out [B, T, ...].
#pragma once
#include <cstdint>

#include "isa.h"

namespace hashmac {

// y = x*cos(theta) + rotate_every_two(x)*sin(theta), theta[d] = float(float(positions[bt]) * angle[d]).
struct RotaryArgs {
  const float* x;          // [BT, H, Dh]
  const int32_t* positions;  // [BT]
  const float* angle;      // [Dh]
  int64_t BT, H, Dh;       // Dh even
  float* y;                // [BT, H, Dh]
};
void rotary(const Exec& ex, const RotaryArgs& a);

struct RetentionStepArgs {
  float* S;                // pool [S, H, Dk, Dv]
  float* scales;           // pool [S, H]
  int32_t* offsets;        // pool [S]
  const float* q;          // [B, T, H, Dk]
  const float* k;          // [B, T, H, Dk]
  const float* v;          // [B, T, H, Dv]
  const float* decay;      // [H]
  const float* angle;      // [Dk] or nullptr (no rotary)
  float k_scale;
  const int32_t* slots;    // [B]
  int64_t B, T, H, Dk, Dv;
  float* o;                // [B, T, H, Dv]
};
void retention_step(const Exec& ex, const RetentionStepArgs& a);

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
