// Dense ops around the hashed and recurrent kernels: linear reuses BlockLinear's FP32 tile GEMM (one
// block of the block-diagonal layer), norms reduce one (row, group) per thread block in two passes
// (mean, then squared deviations), activations are elementwise with accurate expf/erfcf.
#include <algorithm>

#include "device_math.cuh"
#include "hawk.h"
#include "ops.h"
#include "runtime.h"

namespace hashmac::cuda {
namespace {

// Sum over the block (blockDim.x a multiple of 32, at most 1024); every thread gets the total.
__device__ float block_sum(float v) {
  __shared__ float partial[32];
  __shared__ float total;
  v = warp_sum(v);
  if (threadIdx.x % 32 == 0) partial[threadIdx.x / 32] = v;
  __syncthreads();
  if (threadIdx.x < 32) {
    float s = threadIdx.x < blockDim.x / 32 ? partial[threadIdx.x] : 0.0f;
    s = warp_sum(s);
    if (threadIdx.x == 0) total = s;
  }
  __syncthreads();
  const float result = total;
  __syncthreads();  // `partial` and `total` are reused by the next call
  return result;
}

// Block per (row, group): the run of n = D / groups values starting at column group * n.
__global__ void norm_kernel(NormArgs a) {
  const int64_t seg = blockIdx.x, row = seg / a.groups, g = seg % a.groups;
  const int64_t n = a.D / a.groups, c0 = g * n;
  const float* x = a.x + row * a.D + c0;
  float* y = a.y + row * a.D + c0;
  float mean = 0.0f;
  if (a.center) {
    float s = 0.0f;
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x) s += x[i];
    mean = block_sum(s) / static_cast<float>(n);
  }
  float s2 = 0.0f;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) {
    const float d = x[i] - mean;
    s2 = fmaf(d, d, s2);
  }
  // Every thread has read its values before any writes (block_sum ends with a barrier): y may be x.
  const float inv = 1.0f / sqrtf(block_sum(s2) / static_cast<float>(n) + a.eps);
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) {
    float v = (x[i] - mean) * inv;
    if (a.weight) v *= a.weight[c0 + i];
    if (a.center && a.bias) v += a.bias[c0 + i];
    y[i] = v;
  }
}

// SiLU x / (1 + e^-x); GELU x/2 erfc(-x/sqrt 2) (exact erf form); ReLU max(x, 0) with NaN kept.
__global__ void activation_kernel(Activation f, const float* x, float* y, int64_t n) {
  const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= n) return;
  const float v = x[i];
  float r;
  if (f == Activation::kSilu) r = v / (1.0f + expf(-v));
  else if (f == Activation::kGelu) r = 0.5f * v * erfcf(-v * 0.70710678118654752f);
  else r = v != v ? v : (v > 0.0f ? v : 0.0f);
  y[i] = r;
}

}  // namespace

void linear(const LinearArgs& a, cudaStream_t stream) {
  block_linear(BlockLinearArgs{a.x, a.w, a.bias, a.M, 1, a.K, a.N, a.y}, stream);
}

void norm_rows(const NormArgs& a, cudaStream_t stream) {
  const int64_t segments = a.rows * a.groups, n = a.D / a.groups;
  check_grid("norm", segments, 1, 1);
  const int threads = static_cast<int>(std::min<int64_t>(256, ceil_div(n, 32) * 32));
  norm_kernel<<<segments, threads, 0, stream>>>(a);
  HASHMAC_CUDA_LAUNCHED("norm_kernel");
}

void activation(Activation f, const float* x, float* y, int64_t n, cudaStream_t stream) {
  const int64_t blocks = ceil_div(n, 256);
  check_grid("activation", blocks, 1, 1);
  activation_kernel<<<blocks, 256, 0, stream>>>(f, x, y, n);
  HASHMAC_CUDA_LAUNCHED("activation_kernel");
}

}  // namespace hashmac::cuda
