// The FP32 tile product shared by the CUDA-core GEMMs (sign projection, BlockLinear): a 64 x 64 output
// tile per block of 256 threads, 4 x 4 outputs per thread (rows tr + 16u, columns tc + 16v with
// tr = thread / 16, tc = thread % 16), the reduction staged through shared memory 16 deep.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

namespace hashmac::cuda {

constexpr int kTile = 64, kTileDepth = 16, kTileThreads = 256;

// acc[u][v] += sum_d A(tr + 16u, d) * B(tc + 16v, d) for d in [0, depth). load(row, d) returns
// {A(row, d), B(row, d)} for a tile row in [0, 64) and d < depth; out-of-range values must be 0.
template <typename Load>
__device__ __forceinline__ void fp32_tile_product(int64_t depth, Load&& load, float (&acc)[4][4]) {
  __shared__ float as[kTileDepth][kTile + 1];
  __shared__ float bs[kTileDepth][kTile + 1];
  const int tid = threadIdx.x, tr = tid / 16, tc = tid % 16;
  for (int64_t d0 = 0; d0 < depth; d0 += kTileDepth) {
#pragma unroll
    for (int l = 0; l < 4; ++l) {
      const int idx = tid + kTileThreads * l;
      const int row = idx / kTileDepth, d = idx % kTileDepth;
      const float2 v = d0 + d < depth ? load(row, d0 + d) : make_float2(0.0f, 0.0f);
      as[d][row] = v.x;
      bs[d][row] = v.y;
    }
    __syncthreads();
#pragma unroll
    for (int d = 0; d < kTileDepth; ++d) {
      float av[4], bv[4];
#pragma unroll
      for (int u = 0; u < 4; ++u) av[u] = as[d][tr + 16 * u];
#pragma unroll
      for (int v = 0; v < 4; ++v) bv[v] = bs[d][tc + 16 * v];
#pragma unroll
      for (int u = 0; u < 4; ++u)
#pragma unroll
        for (int v = 0; v < 4; ++v) acc[u][v] = fmaf(av[u], bv[v], acc[u][v]);
    }
    __syncthreads();
  }
}

}  // namespace hashmac::cuda
