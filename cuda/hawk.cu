// Hawk kernels: the RG-LRU step (one thread per state element, h in a register for all T steps) and
// BlockLinear (a batched FP32 GEMM, one weight block per grid z).
#include "device_math.cuh"
#include "gemm_tile.cuh"
#include "hawk.h"
#include "runtime.h"

namespace hashmac::cuda {
namespace {

__global__ void rglru_kernel(RglruArgs a) {
  const int64_t idx = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (idx >= a.batch * a.width) return;
  const int64_t b = idx / a.width, w = idx % a.width;
  const int slot = a.slots[b];
  if (slot < 0) {
    zero_padding_outputs(a.out, b, a.steps, a.width, w);
    return;
  }
  float& state = a.h[static_cast<int64_t>(slot) * a.width + w];
  float h = state;
  // log a_t = c sigmoid(gate_a) log_a with log_a = log a (direct) or -softplus(a). Working in logs keeps
  // the multiplier accurate as a_t -> 1: sqrt(1 - a_t^2) = sqrt(-expm1(2 log a_t)), where 1 - a_t^2
  // computed in float32 would cancel.
  const float log_a = a.softplus_a ? -softplusf_(a.a[w]) : logf(a.a[w]);
  for (int64_t t = 0; t < a.steps; ++t) {
    const int64_t i = (b * a.steps + t) * a.width + w;
    const bool reset = a.reset && a.reset[b * a.steps + t];
    float at = 0.0f, mult = 1.0f;
    if (!reset) {
      const float log_at = a.c * sigmoidf_(a.gate_a[i]) * log_a;
      at = expf(log_at);
      mult = sqrtf(-expm1f(2.0f * log_at));
    }
    h = at * h + mult * (sigmoidf_(a.gate_x[i]) * a.x[i]);
    a.out[i] = h;
  }
  state = h;
}

// Grid (ceil(bo/64), ceil(R/64), nb): one 64 x 64 tile of one weight block per block of 256 threads.
__global__ void __launch_bounds__(kTileThreads) block_linear_kernel(BlockLinearArgs a) {
  const int64_t nblk = blockIdx.z;
  const int64_t r0 = static_cast<int64_t>(blockIdx.y) * kTile, k0 = static_cast<int64_t>(blockIdx.x) * kTile;
  const int64_t ldx = a.blocks * a.block_in;
  const float* x = a.x + nblk * a.block_in;
  const float* wt = a.weight + nblk * a.block_out * a.block_in;
  float acc[4][4] = {};
  fp32_tile_product(a.block_in, [&](int row, int64_t h) {
    const int64_t r = r0 + row, k = k0 + row;
    return make_float2(r < a.rows ? x[r * ldx + h] : 0.0f, k < a.block_out ? wt[k * a.block_in + h] : 0.0f);
  }, acc);
  const int tr = threadIdx.x / 16, tk = threadIdx.x % 16;
#pragma unroll
  for (int u = 0; u < 4; ++u)
#pragma unroll
    for (int v = 0; v < 4; ++v) {
      const int64_t r = r0 + tr + 16 * u, k = k0 + tk + 16 * v;
      if (r < a.rows && k < a.block_out) {
        const int64_t o = nblk * a.block_out + k;
        a.y[r * a.blocks * a.block_out + o] = acc[u][v] + (a.bias ? a.bias[o] : 0.0f);
      }
    }
}

}  // namespace

void rglru_step(const RglruArgs& a, cudaStream_t stream) {
  const int64_t blocks = ceil_div(a.batch * a.width, 256);
  check_grid("rglru_step", blocks, 1, 1);
  rglru_kernel<<<blocks, 256, 0, stream>>>(a);
  HASHMAC_CUDA_LAUNCHED("rglru_kernel");
}

void block_linear(const BlockLinearArgs& a, cudaStream_t stream) {
  const int64_t gx = ceil_div(a.block_out, kTile), gy = ceil_div(a.rows, kTile);
  check_grid("block_linear", gx, gy, a.blocks);
  block_linear_kernel<<<dim3(gx, gy, a.blocks), kTileThreads, 0, stream>>>(a);
  HASHMAC_CUDA_LAUNCHED("block_linear_kernel");
}

}  // namespace hashmac::cuda
