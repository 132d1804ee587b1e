// Drivers of the ops family: weight packing, depth blocking and the split into thread-pool tasks;
// the arithmetic is in the per-ISA micro-kernels of ops_simd.cc.
#include "ops.h"

#include <algorithm>
#include <vector>

#include "ops_isa.h"
#include "panel_pack.h"
#include "parallel.h"

namespace hashmac {

namespace {

// Three paths by batch size M, all float32 with the bias in the epilogue:
// - M < kSmallBatch: dot products straight from the unpacked weights (each weight feeds fewer FMAs
//   than it would cost to pack it);
// - M < kMediumBatch: x packed into 32-row panels, weight rows streamed through the shared panel
//   micro-kernel (linear_medium_batch);
// - otherwise: the weights packed into 32-column panels once, x rows streamed (the classic layout).
// The thresholds come from timing K = N = 2048 on AVX-512 (the medium path stays ahead of packing a
// large weight matrix up to a few hundred rows).
constexpr int64_t kSmallBatch = kLinearSmallBatch;
constexpr int64_t kMediumBatch = 256;
// GEMM blocking: a task is kRowChunk rows x one 32-column panel; the depth is cut into kDepthBlock
// pieces so the panel piece (kDepthBlock x 32 floats = 32 KiB) stays in L1 while the rows stream past.
constexpr int64_t kRowChunk = 128;
constexpr int64_t kDepthBlock = 256;
// Elementwise work per task.
constexpr int64_t kElemChunk = 1 << 15;

void linear_small_batch(const Exec& ex, const OpsMicroKernels& mk, const LinearArgs& a) {
  // Weight rows per task: about 256 KiB of w, so a task's rows stay in L2 across the groups of x rows.
  const int64_t per_task = std::clamp<int64_t>((65536 / a.K) / 8 * 8, 8, 512);
  parallel_for(ceil_div(a.N, per_task), ex.threads, [&](int64_t t) {
    const int64_t n0 = t * per_task, cols = std::min(per_task, a.N - n0);
    mk.dot_rows(a.x, a.K, a.M, a.w + n0 * a.K, a.K, cols, a.K, a.bias ? a.bias + n0 : nullptr, a.y + n0, a.N);
  });
}

// Medium batches: the same micro-kernel with the roles swapped. x (small) is packed into panels of 32
// rows and the weight rows (large, unpacked) are the broadcast operand, so each task computes a
// transposed tile yT[n][m] of 64 weight rows x 32 rows of x, depth block by depth block, in an L1
// buffer; the bias is added while the tile is written back transposed.
void linear_medium_batch(const Exec& ex, const OpsMicroKernels& mk, const LinearArgs& a) {
  const int64_t xpanels = ceil_div(a.M, kPanel);
  float* packed = packing_scratch(static_cast<size_t>(xpanels * a.K * kPanel));
  parallel_for(xpanels, ex.threads, [&](int64_t p) { pack_panel(ex.isa, a.x, a.K, a.M, a.K, p, packed + p * a.K * kPanel); });
  constexpr int64_t kWeightRows = 64;
  const int64_t blocks = ceil_div(a.N, kWeightRows);
  parallel_for(blocks * xpanels, ex.threads, [&](int64_t t) {
    const int64_t n0 = (t / xpanels) * kWeightRows, p = t % xpanels, rows = std::min(kWeightRows, a.N - n0);
    const int64_t m0 = p * kPanel, cols = std::min<int64_t>(kPanel, a.M - m0);
    float tile[kWeightRows * kPanel];
    for (int64_t k0 = 0; k0 < a.K; k0 += kDepthBlock) {
      const int64_t depth = std::min(kDepthBlock, a.K - k0);
      mk.gemm_panel(a.w + n0 * a.K + k0, a.K, rows, packed + p * a.K * kPanel + k0 * kPanel, depth,
                    k0 == 0 ? nullptr : tile, kPanel, tile, kPanel, kPanel);
    }
    for (int64_t c = 0; c < cols; ++c) {
      float* y = a.y + (m0 + c) * a.N + n0;
      for (int64_t r = 0; r < rows; ++r) y[r] = tile[r * kPanel + c] + (a.bias ? a.bias[n0 + r] : 0.0f);
    }
  });
}

}  // namespace

void linear(const Exec& ex, const LinearArgs& a) {
  const OpsMicroKernels& mk = ops_micro(ex.isa);
  if (a.M < kSmallBatch) {
    linear_small_batch(ex, mk, a);
    return;
  }
  if (a.M < kMediumBatch) {
    linear_medium_batch(ex, mk, a);
    return;
  }
  const int64_t panels = ceil_div(a.N, kPanel);
  float* packed = packing_scratch(static_cast<size_t>(panels * a.K * kPanel));
  parallel_for(panels, ex.threads, [&](int64_t p) { pack_panel(ex.isa, a.w, a.K, a.N, a.K, p, packed + p * a.K * kPanel); });

  const int64_t chunks = ceil_div(a.M, kRowChunk);
  // Consecutive tasks share a chunk of x rows (128 x K floats, the larger operand of a task), so each
  // thread keeps its chunk in L2 while the small panels stream past (measured ~20% faster than
  // panel-major order at 4096x512x1024).
  parallel_for(panels * chunks, ex.threads, [&](int64_t t) {
    const int64_t p = t % panels, m0 = (t / panels) * kRowChunk, rows = std::min(kRowChunk, a.M - m0);
    const int cols = static_cast<int>(std::min<int64_t>(kPanel, a.N - p * kPanel));
    const float* panel = packed + p * a.K * kPanel;
    float* y = a.y + m0 * a.N + p * kPanel;
    for (int64_t k0 = 0; k0 < a.K; k0 += kDepthBlock) {
      const int64_t depth = std::min(kDepthBlock, a.K - k0);
      // Later depth blocks accumulate into y. The bias is added last, not first: then every output is
      // summed in the medium path's order ((k-block sums in order) + bias) and a row's result does not
      // change when the batch grows past kMediumBatch (batch invariance, needed by the stream cluster's
      // replay; see docs/stream.md).
      mk.gemm_panel(a.x + m0 * a.K + k0, a.K, rows, panel + k0 * kPanel, depth, k0 == 0 ? nullptr : y, a.N, y, a.N, cols);
    }
    if (a.bias)
      for (int64_t r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c) y[r * a.N + c] += a.bias[p * kPanel + c];
  });
}

void norm_rows(const Exec& ex, const NormArgs& a) {
  const OpsMicroKernels& mk = ops_micro(ex.isa);
  const int64_t run = a.D / a.groups, runs = a.rows * a.groups;
  const int64_t per_task = std::max<int64_t>(1, kElemChunk / run);
  parallel_for(ceil_div(runs, per_task), ex.threads, [&](int64_t t) {
    const int64_t end = std::min(runs, (t + 1) * per_task);
    for (int64_t i = t * per_task; i < end; ++i) {
      const int64_t c0 = (i % a.groups) * run;  // first channel of this run within its row
      mk.norm_run(a.x + i * run, run, a.eps, a.center, a.weight ? a.weight + c0 : nullptr, a.bias ? a.bias + c0 : nullptr,
                  a.y + i * run);
    }
  });
}

void activation(const Exec& ex, Activation f, const float* x, float* y, int64_t n) {
  const OpsMicroKernels& mk = ops_micro(ex.isa);
  parallel_for(ceil_div(n, kElemChunk), ex.threads, [&](int64_t t) {
    const int64_t i0 = t * kElemChunk;
    mk.activation(static_cast<int>(f), x + i0, y + i0, std::min(kElemChunk, n - i0));
  });
}

}  // namespace hashmac
