// Drivers of the Hawk family: zero the outputs of padding rows, split the named slots (RG-LRU) or the
// rows (block linear) into independent pieces for the thread pool, and call the per-ISA micro-kernels of
// hawk_simd.cc. Only the pool rows a call names are touched: there is no gather or scatter of the pool.
#include "hawk.h"

#include <algorithm>
#include <cmath>

#include "hawk_isa.h"
#include "parallel.h"
#include "step_driver.h"

namespace hashmac {

namespace {

using step_driver::call_table;
using step_driver::zero_padding;

constexpr int64_t kRglruFeatures = 2048;  // features per task: 8 KB of h stays in L1 across the steps, long input streams
constexpr int64_t kLinearRows = 16;

}  // namespace

void rglru_step(const Exec& ex, const RglruArgs& args) {
  const HawkMicroKernels& mk = hawk_micro(ex.isa);
  RglruArgs a = args;
  a.stream_out = step_driver::stream_out(a.batch * a.steps * a.width);
  zero_padding(a.slots, a.batch, a.out, a.steps * a.width);
  // log a_t = c * sigmoid(gate_a) * log_a[w]; the per-feature part is computed once per call.
  float* log_a = call_table(static_cast<size_t>(a.width));
  for (int64_t w = 0; w < a.width; ++w) {
    const float v = a.a[w];
    log_a[w] = a.softplus_a ? -(v <= 20.0f ? std::log1p(std::exp(v)) : v) : std::log(v);
  }
  const int64_t blocks = ceil_div(a.width, kRglruFeatures);
  // Per feature: the state read and written, and per step x, both gates and the output.
  const int64_t block_bytes = kRglruFeatures * (2 + 4 * a.steps) * int64_t{sizeof(float)};
  parallel_for(a.batch * blocks, ex.threads, [&](int64_t task) {
    const int64_t b = task / blocks, w0 = (task % blocks) * kRglruFeatures;
    if (a.slots[b] < 0) return;
    mk.rglru_block(a, b, w0, std::min(kRglruFeatures, a.width - w0), log_a);
  }, step_driver::claim_grain(a.batch * blocks, ex.threads, block_bytes));
}

void block_linear(const Exec& ex, const BlockLinearArgs& a) {
  const HawkMicroKernels& mk = hawk_micro(ex.isa);
  const int64_t chunks = ceil_div(a.rows, kLinearRows);
  parallel_for(a.blocks * chunks, ex.threads, [&](int64_t task) {
    const int64_t n = task / chunks, r0 = (task % chunks) * kLinearRows;
    mk.block_linear_tile(a, n, r0, std::min(kLinearRows, a.rows - r0));
  });
}

}  // namespace hashmac
