// The small dense ops a network block needs around the hashed and recurrent kernels: linear (float32
// GEMM with bias), RMS/layer/group normalisation over the last axis, and SiLU/GELU/ReLU.
// Plain C++ over raw pointers; the Node-API binding calls these.
#pragma once
#include <cstdint>

#include "isa.h"

namespace hashmac {

// Calls of fewer rows take linear's small-batch path (dot products from the unpacked weights), which sums
// each output in another order than the panel paths: callers that need a row's result not to depend on
// the batch (the stream engine's batch-invariant mode) pad their calls to this many rows.
constexpr int64_t kLinearSmallBatch = 8;

// y[m, n] = sum_k x[m, k] * w[n, k] + bias[n] (w in nn.Linear orientation [N, K]).
struct LinearArgs {
  const float* x;     // [M, K]
  const float* w;     // [N, K]
  const float* bias;  // [N] or nullptr
  float* y;           // [M, N]; must not overlap x, w or bias
  int64_t M, K, N;
};
void linear(const Exec& ex, const LinearArgs& a);

// Each row of D values is cut into `groups` runs of D/groups channels; each run is normalised on its
// own: y = (x - mean) / sqrt(var + eps) * weight + bias with the biased variance (layer/group norm), or
// y = x / sqrt(mean(x^2) + eps) * weight (RMS norm: center = false, no mean, bias unused).
struct NormArgs {
  const float* x;       // [rows, D]
  float* y;             // [rows, D]; may be x itself
  int64_t rows, D, groups;
  const float* weight;  // [D] or nullptr
  const float* bias;    // [D] or nullptr
  float eps;
  bool center;
};
void norm_rows(const Exec& ex, const NormArgs& a);

enum class Activation : int { kSilu = 0, kGelu = 1, kRelu = 2 };

// y[i] = f(x[i]) for i < n; y may be x itself. GELU is the exact erf form.
void activation(const Exec& ex, Activation f, const float* x, float* y, int64_t n);

}  // namespace hashmac
