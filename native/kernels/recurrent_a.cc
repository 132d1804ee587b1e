// Drivers of the recurrent-a family: zero the outputs of padding rows, split the named slots into
// independent pieces for the thread pool, and call the per-ISA micro-kernels of recurrent_a_simd.cc.
// Only the pool rows a call names are touched: there is no gather or scatter of the pool.
#include "recurrent_a.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "parallel.h"
#include "recurrent_a_isa.h"

namespace hashmac {

const RecurrentAMicroKernels& recurrent_a_micro(Isa isa) {
  return pick_isa(isa, scalar::recurrent_a_micro, avx2::recurrent_a_micro, avx512::recurrent_a_micro);
}

namespace {

constexpr int64_t kConvChannels = 512;   // channels per task: the deinterleaved state rows stay in L1
constexpr int64_t kRglruFeatures = 2048;  // features per task: 8 KB of h stays in L1 across the steps, long input streams
constexpr int64_t kLinearRows = 16;
// Outputs at least this large (half a 32 MB L3) are streamed past the caches: they would be evicted
// before anyone reads them, and a normal store first reads every line it writes.
constexpr int64_t kStreamOutBytes = int64_t{16} << 20;

bool stream_out(int64_t floats) { return floats * static_cast<int64_t>(sizeof(float)) >= kStreamOutBytes; }

// Padding rows (slots[b] < 0) output zeros; their state is never read.
void zero_padding(const int32_t* slots, int64_t batch, float* out, int64_t row) {
  for (int64_t b = 0; b < batch; ++b)
    if (slots[b] < 0) std::fill(out + b * row, out + (b + 1) * row, 0.0f);
}

// Per-thread buffers that only grow, so steady-state calls allocate nothing. Slot 0 is a task's scratch,
// slot 1 a per-call table of the calling thread (which also runs tasks, so the two must differ).
float* thread_buffer(int which, size_t n) {
  thread_local std::vector<float> bufs[2];
  if (bufs[which].size() < n) bufs[which].resize(n);
  return bufs[which].data();
}
float* scratch(size_t n) { return thread_buffer(0, n); }
float* call_table(size_t n) { return thread_buffer(1, n); }

}  // namespace

void selective_state_update(const Exec& ex, const SsuArgs& a) {
  const RecurrentAMicroKernels& mk = recurrent_a_micro(ex.isa);
  zero_padding(a.slots, a.batch, a.out, a.steps * a.heads * a.head_dim);
  // One task per (row, head): its P x N state block is read once and written once for all steps.
  parallel_for(a.batch * a.heads, ex.threads, [&](int64_t task) {
    const int64_t b = task / a.heads, h = task % a.heads;
    if (a.slots[b] < 0) return;
    mk.ssu_head(a, b, h, scratch(static_cast<size_t>(3 * a.steps * a.head_dim)));
  });
}

void causal_conv1d_update(const Exec& ex, const ConvArgs& args) {
  const RecurrentAMicroKernels& mk = recurrent_a_micro(ex.isa);
  ConvArgs a = args;
  a.stream_out = stream_out(a.batch * a.steps * a.channels);
  zero_padding(a.slots, a.batch, a.out, a.steps * a.channels);
  // The weight transposed to [width, channels], so each tap is a contiguous vector over channels.
  float* wt = call_table(static_cast<size_t>(a.width * a.channels));
  for (int64_t c = 0; c < a.channels; ++c)
    for (int64_t j = 0; j < a.width; ++j) wt[j * a.channels + c] = a.weight[c * a.width + j];
  const int64_t blocks = ceil_div(a.channels, kConvChannels);
  parallel_for(a.batch * blocks, ex.threads, [&](int64_t task) {
    const int64_t b = task / blocks, c0 = (task % blocks) * kConvChannels;
    if (a.slots[b] < 0) return;
    const int64_t cn = std::min(kConvChannels, a.channels - c0);
    mk.conv_block(a, b, c0, cn, wt, scratch(static_cast<size_t>(a.length * cn)));
  });
}

void rglru_step(const Exec& ex, const RglruArgs& args) {
  const RecurrentAMicroKernels& mk = recurrent_a_micro(ex.isa);
  RglruArgs a = args;
  a.stream_out = stream_out(a.batch * a.steps * a.width);
  zero_padding(a.slots, a.batch, a.out, a.steps * a.width);
  // log a_t = c * sigmoid(gate_a) * log_a[w]; the per-feature part is computed once per call.
  float* log_a = call_table(static_cast<size_t>(a.width));
  for (int64_t w = 0; w < a.width; ++w) {
    const float v = a.a[w];
    log_a[w] = a.softplus_a ? -(v <= 20.0f ? std::log1p(std::exp(v)) : v) : std::log(v);
  }
  const int64_t blocks = ceil_div(a.width, kRglruFeatures);
  parallel_for(a.batch * blocks, ex.threads, [&](int64_t task) {
    const int64_t b = task / blocks, w0 = (task % blocks) * kRglruFeatures;
    if (a.slots[b] < 0) return;
    mk.rglru_block(a, b, w0, std::min(kRglruFeatures, a.width - w0), log_a);
  });
}

void block_linear(const Exec& ex, const BlockLinearArgs& a) {
  const RecurrentAMicroKernels& mk = recurrent_a_micro(ex.isa);
  const int64_t chunks = ceil_div(a.rows, kLinearRows);
  parallel_for(a.blocks * chunks, ex.threads, [&](int64_t task) {
    const int64_t n = task / chunks, r0 = (task % chunks) * kLinearRows;
    mk.block_linear_tile(a, n, r0, std::min(kLinearRows, a.rows - r0));
  });
}

}  // namespace hashmac
