// The RetNet kernel family (SPEC sections 6, 7): rotary theta shift and the fused retention step. Plain
// C++ over raw pointers; the Node-API binding calls these. The retention pool is updated in place; batch
// row b works on pool row slots[b] (negative = padding: zero output, no state touched); inputs carry T
// steps per row laid out [B, T, ...].
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

}  // namespace hashmac
