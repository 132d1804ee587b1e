// The Hawk / Griffin kernel family (SPEC sections 10, 11): the RG-LRU step and the block-diagonal linear
// layer. Plain C++ over raw pointers; the Node-API binding and the CUDA launchers call these. The RG-LRU
// pool is updated in place; inputs are time-major per batch row ([batch, steps, ...]); slots[b] < 0 marks
// padding (zero output, no state).
#pragma once
#include <cstdint>

#include "isa.h"

namespace hashmac {

struct RglruArgs {
  float* h;                // [pool, width]
  int64_t pool, width;
  int64_t batch, steps;
  const float* x;          // [batch, steps, width]
  const float* gate_x;
  const float* gate_a;
  const float* a;          // [width]
  float c;
  bool softplus_a;         // a_t = exp(-c*sigmoid(gate_a)*softplus(a)), else a^(c*sigmoid(gate_a))
  const uint8_t* reset;    // [batch, steps] or nullptr
  const int32_t* slots;
  float* out;              // [batch, steps, width]
  bool stream_out;         // outputs larger than the caches: non-temporal stores (set by the driver)
};
void rglru_step(const Exec& ex, const RglruArgs& a);

struct BlockLinearArgs {
  const float* x;          // [rows, blocks * block_in]
  const float* weight;     // [blocks, block_out, block_in]
  const float* bias;       // [blocks * block_out] or nullptr
  int64_t rows, blocks, block_in, block_out;
  float* y;                // [rows, blocks * block_out]
};
void block_linear(const Exec& ex, const BlockLinearArgs& a);

}  // namespace hashmac
