// The Mamba2 kernel family (SPEC sections 4, 5): the selective state update and the causal conv1d step.
// Plain C++ over raw pointers; the Node-API binding and the CUDA launchers call these. State pools are
// updated in place; inputs are time-major per batch row ([batch, steps, ...]); slots[b] < 0 marks padding
// (zero output, no state).
#pragma once
#include <cstdint>

#include "isa.h"

namespace hashmac {

struct SsuArgs {
  float* state;            // [pool, heads, head_dim, dstate]
  int64_t pool, heads, head_dim, dstate, groups;
  int64_t batch, steps;
  const float* x;          // [batch, steps, heads, head_dim]
  const float* dt;         // [batch, steps, heads] or [..., head_dim] when dt_per_dim
  bool dt_per_dim;
  const float* A;          // [heads] or [heads, head_dim, dstate] when a_full
  bool a_full;
  const float* B;          // [batch, steps, groups, dstate]
  const float* C;          // [batch, steps, groups, dstate]
  const float* D;          // [heads] or [heads, head_dim] (d_per_dim), or nullptr
  bool d_per_dim;
  const float* z;          // [batch, steps, heads, head_dim] or nullptr
  const float* dt_bias;    // [heads] or [heads, head_dim] (bias_per_dim), or nullptr
  bool bias_per_dim;
  bool dt_softplus;
  const int32_t* slots;    // [batch], each < pool and distinct (checked by the caller)
  float* out;              // [batch, steps, heads, head_dim]
};
void selective_state_update(const Exec& ex, const SsuArgs& a);

struct ConvArgs {
  float* conv_state;       // [pool, channels, length], oldest first
  int64_t pool, channels, length, width;  // width <= length + 1
  int64_t batch, steps;
  const float* x;          // [batch, steps, channels]
  const float* weight;     // [channels, width]
  const float* bias;       // [channels] or nullptr
  bool silu;
  const int32_t* slots;
  float* out;              // [batch, steps, channels]
  bool stream_out;         // outputs larger than the caches: written with non-temporal stores (set by the driver)
};
void causal_conv1d_update(const Exec& ex, const ConvArgs& a);

}  // namespace hashmac
