// The streaming ensemble (the hackathon's four-tower MultiTowerModel) as one native call. The whole model
// -- every tower, block and layer kind, with pointers to its weights and to the slot pools of its
// recurrent state -- is handed over once; `run` then executes every layer for a batch of token rows with
// the family kernels (ops, mamba2, hawk, retnet, xlstm), in the order and with the arguments of the JS
// composition in lib/stream/model.ts (the oracle), so results equal it. Plain C++, no Node.
//
// Weights and state are borrowed (the caller keeps them alive and unmoved); only the reduced-precision
// copies of the dense weights (bfloat16 mode) and the per-tower work buffers are owned here. Buffers only
// grow, so steady-state calls allocate nothing.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "isa.h"

namespace hashmac {
namespace stream_exec {

// Storage of the dense (nn.Linear) weights. bfloat16 keeps the top 16 bits of each float32 weight
// (round to nearest even) and accumulates in float32: half the bytes for the memory-bound full preset.
enum class WeightPrecision : int { kFloat32 = 0, kBfloat16 = 1 };

// y[M, N] = x[M, K] w[N, K]^T (+ bias).
struct Dense {
  const float* w = nullptr;
  const float* bias = nullptr;
  int64_t N = 0, K = 0;
  const uint16_t* w16 = nullptr;  // set by the executor in bfloat16 mode
};

// Block-diagonal weights [blocks, out, in].
struct BlockDiag {
  const float* w = nullptr;
  int64_t blocks = 0, out = 0, in = 0;
};

struct Mamba2Layer {
  Dense in;  // x | B | C | z | dt rows, dt bias in the bias
  const float *conv_w = nullptr, *conv_b = nullptr, *A = nullptr, *D = nullptr, *norm = nullptr;
  Dense out;
  float *conv = nullptr, *ssm = nullptr;  // pools [cap, inner + 2N, 3], [cap, H, 64, 128]
};

struct HawkLayer {
  Dense gate_rec;  // gate | recurrent rows
  const float *conv_w = nullptr, *conv_b = nullptr, *a = nullptr;
  BlockDiag input_gate, rec_gate;
  Dense out;
  float *conv = nullptr, *h = nullptr;
};

struct RetNetLayer {
  Dense qkvg, out;
  const float *decay = nullptr, *angle = nullptr;
  float k_scale = 1;
  int32_t* offsets = nullptr;
  float *scales = nullptr, *S = nullptr;
};

struct XlstmLayer {
  const float *s_norm = nullptr, *s_conv_w = nullptr, *s_conv_b = nullptr;
  BlockDiag s_gate_in[4];  // i, f, z, o
  const float *R = nullptr, *r_bias = nullptr, *s_gn_w = nullptr, *s_gn_b = nullptr;
  const float* m_norm = nullptr;
  Dense x_gate;  // x | gate rows
  BlockDiag q, k, v;
  const float *m_conv_w = nullptr, *m_conv_b = nullptr;
  Dense if_gates;  // igate | fgate rows over cat(q, k, v)
  const float *out_norm_w = nullptr, *out_norm_b = nullptr, *skip = nullptr;
  Dense proj_down;
  const float* final_norm = nullptr;
  float *s_conv = nullptr, *s_y = nullptr, *s_c = nullptr, *s_n = nullptr, *s_m = nullptr;
  float *m_conv = nullptr, *m_C = nullptr, *m_n = nullptr, *m_m = nullptr;
};

struct Block {
  const float *norm1 = nullptr, *norm2 = nullptr;
  Dense fc1, fc2;
  Mamba2Layer mamba2;
  HawkLayer hawk;
  RetNetLayer retnet;
  XlstmLayer xlstm;
};

// Tower order is the model's: xLSTM, Mamba2, RetNet, Hawk.
enum class TowerKind : int { kXlstm = 0, kMamba2 = 1, kRetNet = 2, kHawk = 3 };
constexpr int kTowers = 4;

struct Tower {
  Dense up, down;
  std::vector<Block> blocks;
};

struct Sizes {
  int64_t hidden = 0, proj = 0, features = 0, heads = 0, capacity = 0;
};

struct Model {
  Sizes sizes;
  Tower towers[kTowers];
  Dense output;
};

// Group g: B symbols (pool rows slots[0..B), negative = padding) x T steps; token rows row0 .. row0+B*T,
// symbol-major then step. Groups cover the tokens in order.
struct Group {
  int64_t B = 0, T = 0, row0 = 0;
  const int32_t* slots = nullptr;
};

struct RunArgs {
  const float* features = nullptr;  // [tokens, features]
  int64_t tokens = 0;
  const Group* groups = nullptr;
  int64_t n_groups = 0;
  float* out = nullptr;  // [tokens, 4]
  // Batch invariance: every row's result independent of how many rows share the call (dense products of
  // fewer than kLinearSmallBatch rows are padded to that many; lib/stream/kernels.ts).
  bool batch_invariant = false;
};


class Executor {
 public:
  // Derives every layer size from `model.sizes` (checked by the caller against the weights' lengths).
  Executor(Model model, WeightPrecision precision);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Runs every layer of every tower for the batch. Towers run side by side on the thread pool when
  // ex.threads > 1 (each tower's kernels then share the remaining threads).
  void run(const Exec& ex, const RunArgs& a);

  // Bytes of the dense weights as stored (what a one-token step must read at least once).
  int64_t weight_bytes() const { return weight_bytes_; }

  // Seconds to read every dense weight once: each matrix times a vector of ones with the same kernels a
  // one-token step uses, so nothing but the weight reads themselves. The median of `repeats` passes after
  // one warm-up pass; with weights that fit the caches this is the floor under a batch-1 step.
  double read_weights_seconds(const Exec& ex, int repeats);
  WeightPrecision precision() const { return precision_; }

  struct Workspace;

 private:
  void run_tower(const Exec& ex, int t, const RunArgs& a);

  Model model_;
  WeightPrecision precision_;
  std::vector<std::vector<uint16_t>> bf16_;  // owned reduced-precision copies
  std::unique_ptr<Workspace> ws_[kTowers];
  std::vector<const Dense*> dense_;  // every dense weight, for read_weights_seconds
  int64_t weight_bytes_ = 0;
};

// float32 -> bfloat16 (round to nearest even; NaN stays NaN) and back.
uint16_t to_bf16(float x);
inline float from_bf16(uint16_t h) {
  const uint32_t bits = static_cast<uint32_t>(h) << 16;
  float f;
  __builtin_memcpy(&f, &bits, sizeof f);
  return f;
}

}  // namespace stream_exec
}  // namespace hashmac
