// Drivers of the Mamba2 family: zero the outputs of padding rows, split the named slots into independent
// pieces for the thread pool, and call the per-ISA micro-kernels of mamba2_simd.cc. Only the pool rows a
// call names are touched: there is no gather or scatter of the pool.
#include "mamba2.h"

#include <algorithm>

#include "mamba2_isa.h"
#include "parallel.h"
#include "step_driver.h"

namespace hashmac {

namespace {

using step_driver::call_table;
using step_driver::scratch;
using step_driver::zero_padding;

constexpr int64_t kConvChannels = 512;  // channels per task: the deinterleaved state rows stay in L1

}  // namespace

void selective_state_update(const Exec& ex, const SsuArgs& a) {
  const Mamba2MicroKernels& mk = mamba2_micro(ex.isa);
  zero_padding(a.slots, a.batch, a.out, a.steps * a.heads * a.head_dim);
  // One task per (row, head): its P x N state block is read once and written once for all steps.
  const int64_t head_bytes = a.head_dim * (a.dstate * 2 + a.steps * 2) * int64_t{sizeof(float)};
  const int64_t tasks = a.batch * a.heads;
  // Several steps: one L2 per claim, as the default's quarter L3 measured 1.06-1.21x the wall time at
  // T = 8; one step: the default, 0.92-0.96x of one-L2 claims (interleaved A/B, two threads).
  const int64_t claim_bytes = a.steps > 1 ? cpu_caches().l2 : cpu_caches().l3 / 4;
  parallel_for(tasks, ex.threads, [&](int64_t task) {
    const int64_t b = task / a.heads, h = task % a.heads;
    if (a.slots[b] < 0) return;
    mk.ssu_head(a, b, h, scratch(static_cast<size_t>(3 * a.steps * a.head_dim)));
  }, step_driver::claim_grain(tasks, ex.threads, head_bytes, claim_bytes));
}

void causal_conv1d_update(const Exec& ex, const ConvArgs& args) {
  const Mamba2MicroKernels& mk = mamba2_micro(ex.isa);
  ConvArgs a = args;
  a.stream_out = step_driver::stream_out(a.batch * a.steps * a.channels);
  zero_padding(a.slots, a.batch, a.out, a.steps * a.channels);
  // The weight transposed to [width, channels], so each tap is a contiguous vector over channels.
  float* wt = call_table(static_cast<size_t>(a.width * a.channels));
  for (int64_t c = 0; c < a.channels; ++c)
    for (int64_t j = 0; j < a.width; ++j) wt[j * a.channels + c] = a.weight[c * a.width + j];
  const int64_t blocks = ceil_div(a.channels, kConvChannels);
  const int64_t block_bytes = kConvChannels * (2 * a.length + 2 * a.steps) * int64_t{sizeof(float)};
  parallel_for(a.batch * blocks, ex.threads, [&](int64_t task) {
    const int64_t b = task / blocks, c0 = (task % blocks) * kConvChannels;
    if (a.slots[b] < 0) return;
    const int64_t cn = std::min(kConvChannels, a.channels - c0);
    mk.conv_block(a, b, c0, cn, wt, scratch(static_cast<size_t>(a.length * cn)));
  }, step_driver::claim_grain(a.batch * blocks, ex.threads, block_bytes));
}

}  // namespace hashmac
