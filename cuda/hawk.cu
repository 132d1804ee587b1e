// Hawk kernels: the RG-LRU step (one thread per state element, h in a register for all T steps) and
// BlockLinear (a batched FP32 GEMM, one weight block per grid z).
#include "device_math.cuh"
#include "hawk.h"
#include "runtime.h"

namespace hashmac::cuda {
namespace {

__global__ void rglru_kernel(RglruArgs a) {
  const int64_t idx = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (idx >= a.B * a.W) return;
  const int64_t b = idx / a.W, w = idx % a.W;
  const int slot = a.slots[b];
  if (slot < 0) {
    for (int64_t t = 0; t < a.T; ++t) a.out[(b * a.T + t) * a.W + w] = 0.0f;
    return;
  }
  float& state = a.h[static_cast<int64_t>(slot) * a.W + w];
  float h = state;
  const float aw = a.a[w];
  const float neg_softplus_a = a.softplus_a ? -softplusf_(aw) : 0.0f;
  for (int64_t t = 0; t < a.T; ++t) {
    const int64_t i = (b * a.T + t) * a.W + w;
    const bool reset = a.reset && a.reset[b * a.T + t];
    float at = 0.0f, mult = 1.0f;
    if (!reset) {
      at = a.softplus_a ? expf(a.c * sigmoidf_(a.gate_a[i]) * neg_softplus_a) : powf(aw, a.c * sigmoidf_(a.gate_a[i]));
      mult = sqrtf(1.0f - at * at);
    }
    h = at * h + mult * (sigmoidf_(a.gate_x[i]) * a.x[i]);
    a.out[i] = h;
  }
  state = h;
}

constexpr int kBlTile = 64, kBlDepth = 16;

// Grid (ceil(bo/64), ceil(R/64), nb); 256 threads, 4 x 4 outputs each.
__global__ void __launch_bounds__(256) block_linear_kernel(BlockLinearArgs a) {
  __shared__ float xs[kBlDepth][kBlTile + 1];
  __shared__ float ws[kBlDepth][kBlTile + 1];
  const int64_t nblk = blockIdx.z;
  const int64_t r0 = static_cast<int64_t>(blockIdx.y) * kBlTile, k0 = static_cast<int64_t>(blockIdx.x) * kBlTile;
  const int tid = threadIdx.x, tr = tid / 16, tk = tid % 16;
  const int64_t ldx = a.nb * a.bi;
  const float* x = a.x + nblk * a.bi;
  const float* wt = a.weight + nblk * a.bo * a.bi;
  float acc[4][4] = {};
  for (int64_t h0 = 0; h0 < a.bi; h0 += kBlDepth) {
#pragma unroll
    for (int l = 0; l < 4; ++l) {
      const int idx = tid + 256 * l;
      const int row = idx / kBlDepth, d = idx % kBlDepth;
      const bool in_d = h0 + d < a.bi;
      xs[d][row] = (in_d && r0 + row < a.R) ? x[(r0 + row) * ldx + h0 + d] : 0.0f;
      ws[d][row] = (in_d && k0 + row < a.bo) ? wt[(k0 + row) * a.bi + h0 + d] : 0.0f;
    }
    __syncthreads();
#pragma unroll
    for (int d = 0; d < kBlDepth; ++d) {
      float xv[4], wv[4];
#pragma unroll
      for (int u = 0; u < 4; ++u) xv[u] = xs[d][tr + 16 * u];
#pragma unroll
      for (int v = 0; v < 4; ++v) wv[v] = ws[d][tk + 16 * v];
#pragma unroll
      for (int u = 0; u < 4; ++u)
#pragma unroll
        for (int v = 0; v < 4; ++v) acc[u][v] = fmaf(xv[u], wv[v], acc[u][v]);
    }
    __syncthreads();
  }
#pragma unroll
  for (int u = 0; u < 4; ++u)
#pragma unroll
    for (int v = 0; v < 4; ++v) {
      const int64_t r = r0 + tr + 16 * u, k = k0 + tk + 16 * v;
      if (r < a.R && k < a.bo) {
        const int64_t o = nblk * a.bo + k;
        a.y[r * a.nb * a.bo + o] = acc[u][v] + (a.bias ? a.bias[o] : 0.0f);
      }
    }
}

}  // namespace

void rglru_step(const RglruArgs& a, cudaStream_t stream) {
  const int64_t blocks = ceil_div(a.B * a.W, 256);
  check_grid("rglru_step", blocks, 1, 1);
  rglru_kernel<<<blocks, 256, 0, stream>>>(a);
  HASHMAC_CUDA_LAUNCHED("rglru_kernel");
}

void block_linear(const BlockLinearArgs& a, cudaStream_t stream) {
  const int64_t gx = ceil_div(a.bo, kBlTile), gy = ceil_div(a.R, kBlTile);
  check_grid("block_linear", gx, gy, a.nb);
  block_linear_kernel<<<dim3(gx, gy, a.nb), 256, 0, stream>>>(a);
  HASHMAC_CUDA_LAUNCHED("block_linear_kernel");
}

}  // namespace hashmac::cuda
